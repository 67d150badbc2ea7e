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
 * a peak of 115-130 MB (a pull's pacing is laxer: see pullBuffersPassed).
 *
 * V8's gc() is on the global because bin/kapseld starts Node with --expose-gc; without it (the
 * engine run by other means, tests) pacing does nothing.
 */
const MB = 1024 * 1024;

type GcFn = (o: { type: "minor" | "major" }) => void;

/**
 * A pacer: `held` is the memory held in buffers now (Node's arrayBuffers figure); a scavenge
 * every `pace` bytes, a full collection once held memory grew `heldGrowth` over its low point.
 */
export function bufferPacer(
  gc: GcFn | undefined,
  held: () => number,
  o: { pace: number; heldGrowth: number } = { pace: 4 * MB, heldGrowth: 16 * MB },
): (bytes: number) => void {
  let passed = 0;
  let floor = Number.POSITIVE_INFINITY;
  return (bytes) => {
    passed += bytes;
    if (passed < o.pace || !gc) return;
    passed = 0;
    const now = held();
    floor = Math.min(floor, now);
    const major = now - floor > o.heldGrowth;
    if (major) floor = Number.POSITIVE_INFINITY;
    gc({ type: major ? "major" : "minor" });
  };
}

const gc = (globalThis as { gc?: GcFn }).gc;
const heldInBuffers = () => process.memoryUsage().arrayBuffers;

/** Counts bytes of buffers that went by (and are dropped soon); collects every few MB (push). */
export const buffersPassed = bufferPacer(gc, heldInBuffers);

/**
 * The same for a pull's download and unpacking, paced half as often (8 MB, and 24 MB of growth):
 * a pull's main thread was a tenth busier collecting at push's pace (pull.ts: walls 0.79 → 0.71 s
 * median), for a peak of 131-137 MB; push paced so peaked at 153 MB, over its 150 MB budget.
 */
export const pullBuffersPassed = bufferPacer(gc, heldInBuffers, { pace: 8 * MB, heldGrowth: 24 * MB });
