/**
 * Garbage collections paced by the bytes a pull or push streams through the daemon.
 *
 * A pull allocates a buffer for every piece it gets (socket reads, zlib's output),
 * hundreds of MB that die within milliseconds. Left to V8, their small JS wrappers never fill
 * the young generation, so nothing collects them until their external memory crosses V8's
 * limit (tens of MB), and the dead buffers held meanwhile were most of the daemon's peak RSS.
 * A scavenge every few MB frees them young instead, for about half a millisecond each.
 *
 * Some live longer: those queued behind a disk write or a slower reader outlive two scavenges
 * and are promoted, and only a full collection frees them. kapseld runs without incremental
 * marking (bin/kapseld): V8 kept starting it during a pull, 25 full collections per 200 MB
 * pull, a third of its CPU. So a full collection comes here every few dozen MB instead, which
 * keeps the peak low (105-130 MB for a 200 MB pull or push) at a fraction of the cost.
 *
 * V8's gc() is on the global because bin/kapseld starts Node with --expose-gc; without it (the
 * engine run by other means, tests) pacing does nothing.
 */
const MINOR_PACE = 4 * 1024 * 1024;
const MAJOR_PACE = 32 * 1024 * 1024;

type GcFn = (o: { type: "minor" | "major" }) => void;
const gc = (globalThis as { gc?: GcFn }).gc;
let passed = 0;
let sinceMajor = 0;

/** Counts bytes of buffers that went by (and are dropped soon); collects every few MB. */
export function buffersPassed(bytes: number): void {
  passed += bytes;
  if (passed < MINOR_PACE) return;
  sinceMajor += passed;
  passed = 0;
  const major = sinceMajor >= MAJOR_PACE;
  if (major) sinceMajor = 0;
  gc?.({ type: major ? "major" : "minor" });
}
