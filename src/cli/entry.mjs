// Plain JavaScript so that Node need not strip types before the compile cache is on.
// The cache (type-stripped sources and V8 code, in NODE_COMPILE_CACHE or $TMPDIR/node-compile-cache)
// halves start-up; where that folder is not ours to write (another user made it), use one in $HOME.
import module from "node:module";

const cache = module.enableCompileCache?.();
if (cache?.status === module.constants.compileCacheStatus.FAILED && process.env.HOME) {
  module.enableCompileCache(`${process.env.HOME}/.cache/kapsel/node-compile-cache`);
}
const { main } = await import("./main.ts");
const code = await main(process.argv.slice(2));
// Exit only once what was written has left: stdout to a pipe or socket is asynchronous, and a
// bare process.exit would cut off the end of a large `logs` or `export`.
const flushed = (stream) =>
  new Promise((resolve) => (stream.writableLength > 0 ? stream.write("", resolve) : resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
