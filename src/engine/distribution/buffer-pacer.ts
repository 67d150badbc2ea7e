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
 * pull, a third of its CPU. So a full collection comes from here, once the memory held in
 * buffers has grown 16 MB over its low point since the last one: about 7 per 200 MB pull, for
 * a peak of 115-130 MB.
 *
 * V8's gc() is on the global because bin/kapseld starts Node with --expose-gc; without it (the
 * engine run by other means, tests) pacing does nothing.
 */
const PACE = 4 * 1024 * 1024;
const HELD_GROWTH = 16 * 1024 * 1024;

type GcFn = (o: { type: "minor" | "major" }) => void;

/** A pacer: `held` is the memory held in buffers now (Node's arrayBuffers figure). */
export function bufferPacer(gc: GcFn | undefined, held: () => number): (bytes: number) => void {
  let passed = 0;
  let floor = Number.POSITIVE_INFINITY;
  return (bytes) => {
    passed += bytes;
    if (passed < PACE || !gc) return;
    passed = 0;
    const now = held();
    floor = Math.min(floor, now);
    const major = now - floor > HELD_GROWTH;
    if (major) floor = Number.POSITIVE_INFINITY;
    gc({ type: major ? "major" : "minor" });
  };
}

/** Counts bytes of buffers that went by (and are dropped soon); collects every few MB. */
export const buffersPassed = bufferPacer(
  (globalThis as { gc?: GcFn }).gc,
  () => process.memoryUsage().arrayBuffers,
);
