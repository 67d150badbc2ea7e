/**
 * Hands memory back to the system once kapseld goes quiet after some work.
 *
 * A burst of work (a pull, 200 000 log lines, 50 container starts) grows V8's heap. After its
 * next full GC, V8 keeps the freed pages in a pool: 70 MB after a big `logs`. V8's memory
 * reducer would release them only once it sees a low allocation rate. Node never samples that
 * rate between GCs, so an idle kapseld would keep the pages for good.
 *
 * So: once a second has passed with no request started or finished, run one memory-reducing
 * full GC (about 25 ms, while nothing waits). Work that goes on after the last answer (a
 * container's start settling, an exit) grows the heap again: for a few more seconds, each
 * second that finds the heap and its external memory grown by 1 MB collects again.
 * This needs `gc()`, which bin/kapseld exposes with --expose-gc. Without it, this does nothing.
 */
type GcFn = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

export interface IdleCollector {
  /** a request started or ended */
  activity(): void;
  stop(): void;
}

const GROWTH = 1 << 20;
const LATE_CHECKS = 5;

export function idleCollector(quietMs = 1000): IdleCollector {
  const gc = (globalThis as { gc?: GcFn }).gc;
  const size = () => {
    const m = process.memoryUsage();
    return m.heapTotal + m.external;
  };
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  /** heap and external memory after the last collection; 0: collect at the next quiet check */
  let collected = 0;
  let checksLeft = 0;
  const check = () => {
    const quiet = performance.now() - last;
    timer = undefined;
    if (quiet < quietMs) {
      // still busy: look again when it will have been quiet for a whole period
      timer = setTimeout(check, quietMs - quiet).unref();
      return;
    }
    if (collected === 0 || size() > collected + GROWTH) {
      gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
      collected = size();
    }
    if (--checksLeft > 0) timer = setTimeout(check, quietMs).unref();
  };
  return {
    activity() {
      last = performance.now();
      collected = 0;
      checksLeft = LATE_CHECKS;
      if (!timer && gc) timer = setTimeout(check, quietMs).unref();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
