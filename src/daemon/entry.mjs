// Plain JavaScript so that Node need not strip types before the compile cache is on.
import module from "node:module";

module.enableCompileCache?.();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
