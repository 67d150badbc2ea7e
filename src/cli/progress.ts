import type { Writable } from "node:stream";
import { type JsonMessage, jsonLines } from "../client/index.ts";

/**
 * Prints a JSON progress stream (pull, import, bootstrap) as Docker's jsonmessage does: one
 * line per status; on a terminal, lines with an id are redrawn in place as their progress
 * moves; off a terminal, progress-bar updates are skipped. An `error` line ends the stream with
 * that message. `aux` lines are handed to `onAux` instead of printed.
 */
export async function displayProgress(
  source: AsyncIterable<Buffer | string>,
  out: Writable,
  isTerminal: boolean,
  onAux?: (aux: Record<string, unknown>) => void,
): Promise<void> {
  let ids = new Map<string, number>();
  for await (const jm of jsonLines<JsonMessage>(source)) {
    if (jm.aux) {
      onAux?.(jm.aux);
      continue;
    }
    const hasProgress = jm.progressDetail !== undefined && Object.keys(jm.progressDetail).length > 0;
    let diff = 0;
    if (jm.id && (hasProgress || jm.progress)) {
      let line = ids.get(jm.id);
      if (line === undefined) {
        line = ids.size;
        ids.set(jm.id, line);
        if (isTerminal) out.write("\n");
      }
      diff = ids.size - line;
      if (isTerminal && diff > 0) out.write(`\x1b[${diff}A`);
    } else {
      ids = new Map();
    }
    if (jm.error || jm.errorDetail?.message) throw new Error(jm.errorDetail?.message || jm.error);
    out.write(renderMessage(jm, isTerminal, hasProgress));
    if (jm.id && isTerminal && diff > 0) out.write(`\x1b[${diff}B`);
  }
}

function renderMessage(jm: JsonMessage, isTerminal: boolean, hasProgress: boolean): string {
  let text = "";
  let endl = "";
  if (isTerminal && !jm.stream && hasProgress) {
    text += "\x1b[2K\r";
    endl = "\r";
  } else if (hasProgress && jm.progress) {
    return ""; // no progress bars off a terminal
  }
  if (jm.timeNano) text += `${new Date(jm.timeNano / 1e6).toISOString()} `;
  else if (jm.time) text += `${new Date(jm.time * 1000).toISOString()} `;
  if (jm.id) text += `${jm.id}: `;
  if (jm.from) text += `(from ${jm.from}) `;
  if (hasProgress && isTerminal) return `${text}${jm.status ?? ""} ${jm.progress ?? ""}${endl}`;
  if (jm.progress) return `${text}${jm.status ?? ""} ${jm.progress}${endl}`;
  if (jm.stream) return `${text}${jm.stream}${endl}`;
  return `${text}${jm.status ?? ""}${endl}\n`;
}
