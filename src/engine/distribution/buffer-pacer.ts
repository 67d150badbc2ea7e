/**
 * Young-generation garbage collections paced by the bytes a pull streams through the daemon.
 *
 * A pull allocates a buffer for every piece it gets (socket reads, zlib's output),
 * hundreds of MB that die within milliseconds. Left to V8, their small JS wrappers never fill
 * the young generation, so nothing collects them until their external memory crosses V8's
 * limit (tens of MB): then a full mark of the whole heap, 15-20 of them per 200 MB pull (a
 * third of its CPU, most on V8's helper threads), and the dead buffers held meanwhile were
 * most of the daemon's peak RSS. A scavenge every few MB frees them young instead, for about
 * half a millisecond each: measured with 256 KiB buffers, peak RSS 60 MB against 135 MB and
 * half the CPU. Only the young generation is touched, so buffers still in use are not copied
 * more than once or twice.
 *
 * V8's gc() is on the global because bin/kapseld starts Node with --expose-gc; without it (the
 * engine run by other means, tests) pacing does nothing.
 */
const PACE = 4 * 1024 * 1024;

type GcFn = (o: { type: "minor" | "major" }) => void;
const gc = (globalThis as { gc?: GcFn }).gc;
let passed = 0;

/** Counts bytes of buffers that went by (and are dropped soon); collects the young ones every few MB. */
export function buffersPassed(bytes: number): void {
  passed += bytes;
  if (passed < PACE) return;
  passed = 0;
  gc?.({ type: "minor" });
}
