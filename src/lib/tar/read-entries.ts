import { once } from "node:events";
import tar, { type Header } from "tar-stream";

/** An entry's bytes: read it to the end, or `resume()` to skip them. */
export type EntryBody = AsyncIterable<Buffer> & { resume(): unknown };

/**
 * Reads a tar stream entry by entry. `onEntry` gets each header and body and must read or
 * resume the body; the next entry waits for its promise. tar-stream's extractor is a streamx
 * stream, so chunks are fed by hand, with backpressure. Rejects with the first error (a bad
 * archive, a failing input or onEntry's own), after destroying the extractor.
 */
export async function readTarEntries(
  input: AsyncIterable<Buffer>,
  onEntry: (header: Header, body: EntryBody) => Promise<void>,
): Promise<void> {
  const extract = tar.extract();
  extract.on("entry", (header, stream, next) => {
    const body = stream as unknown as EntryBody;
    // a failing entry destroys the extractor, which destroys this body with the same error:
    // unheard, that 'error' event would end the process (the failure is reported below)
    stream.on("error", () => {});
    onEntry(header, body).then(
      () => next(),
      (err: Error) => {
        body.resume();
        next(err);
      },
    );
  });
  const ended = new Promise<void>((resolve, reject) => {
    extract.on("error", reject);
    extract.on("finish", () => resolve());
  });
  ended.catch(() => {});
  const events = extract as unknown as NodeJS.EventEmitter;
  try {
    for await (const chunk of input) {
      if (!extract.write(chunk)) await Promise.race([once(events, "drain"), ended]);
    }
    extract.end(undefined);
    await ended;
  } catch (err) {
    extract.destroy(err as Error);
    throw err;
  }
}
