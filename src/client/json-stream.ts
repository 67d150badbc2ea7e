/**
 * Reads a stream of JSON values, one per line (the daemon's events and progress streams). Blank
 * lines are skipped; a line that is not JSON throws. Values are yielded as they arrive.
 */
export async function* jsonLines<T>(source: AsyncIterable<Buffer | string>): AsyncGenerator<T> {
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of source) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line !== "") yield JSON.parse(line) as T;
      nl = pending.indexOf("\n");
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== "") yield JSON.parse(pending.trim()) as T;
}
