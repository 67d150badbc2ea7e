/**
 * Docker's JSON progress messages (moby's pkg/jsonmessage and streamformatter), the stream the
 * real docker CLI renders as per-layer bars: a plain status ({"status":"Digest: …"}), a status
 * for an id ({"status":"Pulling from library/x","id":"latest"}), a layer update
 * ({"status":"Pull complete","progressDetail":{},"id":"<12 hex>"}), a byte count
 * ({"status":"Downloading","progressDetail":{"current":…,"total":…},"progress":"[=>   ] …","id":…}),
 * or aux data for the client ({"progressDetail":{},"aux":{…}}).
 */
export interface ProgressMessage {
  status?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  id?: string;
  aux?: unknown;
}

/** Where a pull or push reports; it never blocks the work (the route buffers and drains). */
export type ProgressSink = (m: ProgressMessage) => void;

/** progress.Message: a status line, for an id (a tag, a layer) or for the whole operation. */
export function message(sink: ProgressSink, id: string, status: string): void {
  sink(id ? { status, id } : { status });
}

/** progress.Update: a layer's new state, with the empty progressDetail Docker sends. */
export function update(sink: ProgressSink, id: string, status: string): void {
  sink({ status, progressDetail: {}, id });
}

/** stringid.TruncateID: the 12 hex digits a layer is shown by. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

/** go-units HumanSize: decimal units, four significant digits (1.081MB, 32.77kB, 512B). */
export function humanSize(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

/** JSONProgress.String as the daemon renders it (wide terminal: with the bar). */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return current > 0 ? humanSize(current).padStart(8) : "";
  const pct = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = `[${"=".repeat(pct)}>${" ".repeat(Math.max(0, 50 - pct))}] `;
  const numbers =
    current > total
      ? humanSize(current).padStart(8)
      : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

/**
 * A byte counter for one layer's download, extraction or upload: reports at most every
 * 100 ms (Docker's rate), and always the last count when `done` is called.
 */
export function byteProgress(
  sink: ProgressSink,
  id: string,
  action: string,
  total: number,
  now: () => number = Date.now,
): { tick: (current: number) => void; done: () => void } {
  let last = 0;
  let current = 0;
  let reported = -1;
  const emit = () => {
    reported = current;
    sink({
      status: action,
      progressDetail: { current, total },
      progress: progressBar(current, total),
      id,
    });
  };
  return {
    tick(n) {
      current = n;
      const t = now();
      if (t - last >= 100) {
        last = t;
        emit();
      }
    },
    done() {
      if (reported !== current) emit();
    },
  };
}
