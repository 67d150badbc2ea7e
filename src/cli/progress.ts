import type { Writable } from "node:stream";
import { type JsonMessage, jsonLines } from "../client/index.ts";
import { humanSize } from "./format/human-units.ts";

/**
 * Prints a JSON progress stream (pull, push, import, load, bootstrap) as Docker's jsonmessage
 * DisplayJSONMessagesStream does. A line with an id and a progressDetail (even an empty one)
 * owns a terminal line that later messages for that id redraw in place; the bar and byte
 * counts are drawn here from progressDetail, sized to the terminal (a bar only when it is wider
 * than 110 columns). Off a terminal, lines whose progress has numbers are skipped. An error
 * line ends the stream with its message; `aux` lines go to `onAux`.
 */
export async function displayProgress(
  source: AsyncIterable<Buffer | string>,
  out: Writable & { columns?: number },
  isTerminal: boolean,
  onAux?: (aux: Record<string, unknown>) => void,
): Promise<void> {
  const width = isTerminal && out.columns ? out.columns : 200;
  let ids = new Map<string, number>();
  for await (const jm of jsonLines<JsonMessage>(source)) {
    if (jm.aux) {
      onAux?.(jm.aux);
      continue;
    }
    const hasProgress = jm.progressDetail !== undefined && jm.progressDetail !== null;
    let diff = 0;
    if ((jm.id && hasProgress) || jm.progress) {
      const id = jm.id ?? "";
      let line = ids.get(id);
      if (line === undefined) {
        line = ids.size;
        ids.set(id, line);
        if (isTerminal) out.write("\n");
      }
      diff = ids.size - line;
      if (isTerminal && diff > 0) out.write(`\x1b[${diff}A`);
    } else {
      // anything else ends the block of redrawn lines (pull -a: one block per tag)
      ids = new Map();
    }
    if (jm.errorDetail?.message || jm.error) throw new Error(jm.errorDetail?.message || jm.error);
    out.write(renderMessage(jm, isTerminal, hasProgress, width));
    if (jm.id && isTerminal && diff > 0) out.write(`\x1b[${diff}B`);
  }
}

/** JSONProgress.String(): "[==>   ]  1.2MB/3.4MB", the bar only on wide terminals. */
export function progressString(p: { current?: number; total?: number }, width: number): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) return humanSize(current).padStart(8);
  const percentage = Math.min(50, Math.trunc(Math.trunc((current / total) * 100) / 2));
  const bar = width > 110 ? `[${"=".repeat(percentage)}>${" ".repeat(Math.max(0, 50 - percentage))}] ` : "";
  const numbers = current > total ? "" : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

function renderMessage(jm: JsonMessage, isTerminal: boolean, hasProgress: boolean, width: number): string {
  let text = "";
  let endl = "";
  const progress = hasProgress ? progressString(jm.progressDetail ?? {}, width) : "";
  if (isTerminal && !jm.stream && hasProgress) {
    text += "\x1b[2K\r";
    endl = "\r";
  } else if (hasProgress && progress !== "") {
    return ""; // no progress bars off a terminal
  }
  if (jm.timeNano) text += `${new Date(jm.timeNano / 1e6).toISOString()} `;
  else if (jm.time) text += `${new Date(jm.time * 1000).toISOString()} `;
  if (jm.id) text += `${jm.id}: `;
  if (jm.from) text += `(from ${jm.from}) `;
  if (hasProgress && isTerminal) return `${text}${jm.status ?? ""} ${progress}${endl}`;
  if (jm.progress) return `${text}${jm.status ?? ""} ${jm.progress}${endl}`;
  if (jm.stream) return `${text}${jm.stream}${endl}`;
  return `${text}${jm.status ?? ""}${endl}\n`;
}
