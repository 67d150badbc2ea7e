// Plain JavaScript so that Node need not strip types before the compile cache is on: the cache
// (type-stripped sources and V8 code) halves start-up.
import { enableCompileCache } from "../lib/compile-cache.mjs";

enableCompileCache();
const { main } = await import("./main.ts");
const code = await main(process.argv.slice(2));
// Exit only once what was written has left: stdout to a pipe or socket is asynchronous, and a
// bare process.exit would cut off the end of a large `logs` or `export`.
const flushed = (stream) =>
  new Promise((resolve) => (stream.writableLength > 0 ? stream.write("", resolve) : resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
