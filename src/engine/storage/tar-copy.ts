import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";

/**
 * Passes a layer's plain tar through while writing the same bytes to path (a new file), so the
 * layer can later be given back byte for byte (its diffId is their digest: push, save). The copy
 * is written alongside the unpacking, with backpressure: nothing is buffered beyond the stream's
 * own window. The iteration ends only once the file is complete and closed; if it is abandoned
 * or the write fails, the file is left unfinished and the caller removes it (it lives in tmp/).
 * Not fsynced, like the unpacked files beside it: a daemon crash cannot tear it, a power cut can.
 */
export async function* copyingTo(source: AsyncIterable<Buffer>, path: string): AsyncGenerator<Buffer> {
  const out = createWriteStream(path, { flags: "wx" });
  let failure: Error | undefined;
  out.on("error", (err) => {
    failure = err;
  });
  let done = false;
  try {
    for await (const chunk of source) {
      if (failure) throw failure;
      if (!out.write(chunk)) await once(out, "drain");
      yield chunk;
    }
    out.end();
    await finished(out);
    done = true;
  } finally {
    if (!done) out.destroy();
  }
}
