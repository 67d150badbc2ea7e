// Plain JavaScript so that Node need not strip types before the compile cache is on.
import module from "node:module";
import { enableCompileCache } from "../lib/compile-cache.mjs";

enableCompileCache();
const { main } = await import("./main.ts");

// A compile-cache miss (the first start after an install, an upgrade or a reboot) loads Node's
// TypeScript stripper, about 20 MB that would stay for the daemon's whole life. Then compile
// what kapseld loads later too (every module it imports on first use), save the cache, and
// start over as a fresh process (same PID) that finds everything compiled.
const stripperLoaded = process.moduleLoadList?.some((m) => m.endsWith("internal/deps/amaro/dist/index"));
if (stripperLoaded && process.env.KAPSELD_WARM_START !== "1" && typeof process.execve === "function") {
  for (const lazy of [
    "../engine/builder/local-builder.ts",
    "../engine/distribution/registry-distribution.ts",
    "../engine/storage/layer-unpack.ts",
    "../engine/storage/tree-tar.ts",
    "../engine/images/busybox-rootfs.ts",
    "../engine/images/archive-load.ts",
    "../engine/images/archive-save.ts",
    "../lib/tar/pack-directory.ts",
    "../engine/archive/index.ts",
    "../engine/stats/index.ts",
    "../engine/network/dns-server.ts",
    "../api/websocket.ts",
  ])
    await import(lazy);
  module.flushCompileCache();
  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  process.execve(process.execPath, argv, { ...process.env, KAPSELD_WARM_START: "1" });
}
delete process.env.KAPSELD_WARM_START;
// bin/kapseld's malloc settings are for kapseld itself, not for runc, conmon or hooks
for (const name of ["MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"])
  delete process.env[name];
process.exitCode = await main(process.argv.slice(2));
