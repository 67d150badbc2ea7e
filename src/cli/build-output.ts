import { Transform, type Writable } from "node:stream";
import type { JsonMessage } from "../client/index.ts";
import { jsonLines } from "../client/index.ts";
import { displayProgress, progressString } from "./progress.ts";
import { StatusError } from "./status-error.ts";

/**
 * What `docker build` prints on the classic path (docker/cli cli/command/image/build.go):
 * "Sending build context to Docker daemon  6.144kB" as the upload goes, then the daemon's
 * JSON messages as jsonmessage displays them (`stream` text as it is, pull progress). `aux`
 * carries the image ID; an `errorDetail` ends the build with its message and its code as the
 * exit status (1 when it has none).
 */

export const SENDING_CONTEXT = "Sending build context to Docker daemon";

/**
 * Counts the context as it is uploaded and prints docker's progress line for it: off a
 * terminal only the last update ("...  6.144kB\r\r\n"), on one an update per 512 kB read
 * (at most every 100 ms) as well.
 */
export function uploadProgress(out: Writable, isTerminal: boolean): Transform {
  let current = 0;
  let lastUpdate = 0;
  let lastWrite = 0;
  const line = (endl: string) => {
    const progress = progressString({ current }, 0);
    return `${SENDING_CONTEXT} ${progress}${progress === "" ? "\r\n" : "\r"}${endl}`;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      current += chunk.length;
      if (isTerminal && current - lastUpdate > 512 * 1024 && Date.now() - lastWrite >= 100) {
        lastUpdate = current;
        lastWrite = Date.now();
        out.write(line(""));
      }
      cb(null, chunk);
    },
    flush(cb) {
      out.write(line("\r\n"));
      cb();
    },
  });
}

/**
 * Shows the build's message stream; returns the image ID from the last `aux` message. An
 * `errorDetail` throws StatusError(code || 1, message). A bare `error` without details is
 * printed as an empty message, as docker's jsonmessage does.
 */
export async function displayBuild(
  source: AsyncIterable<Buffer | string>,
  out: Writable & { columns?: number },
  isTerminal: boolean,
): Promise<string> {
  let failure: { code?: number; message?: string } | undefined;
  let imageId = "";
  async function* lines(): AsyncGenerator<string> {
    for await (const jm of jsonLines<JsonMessage>(source)) {
      if (jm.errorDetail) {
        failure = jm.errorDetail;
        return;
      }
      const { error: _ignored, ...rest } = jm;
      yield `${JSON.stringify(rest)}\n`;
    }
  }
  await displayProgress(lines(), out, isTerminal, (aux) => {
    imageId = typeof aux.ID === "string" ? aux.ID : "";
  });
  if (failure?.code === 401) throw new Error("authentication is required");
  if (failure) throw new StatusError(failure.code || 1, failure.message ?? "");
  return imageId;
}
