import { type FSWatcher, watch } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import type { LogEntry, ReadLogsOptions } from "./index.ts";
import { parseLogLine, TimeCache } from "./k8s-file-line.ts";
import { rotatedLogs } from "./rotation.ts";

/**
 * Reads a conmon k8s-file log as entries: 256 KiB reads, lines found with Buffer.indexOf, entry
 * data sliced from the read buffer without copying (only joined partial lines are copied),
 * `tail` found by scanning backwards from the end so a long log is never read whole. Entries
 * come out in batches internally (`readLogBatches`): one await per batch, not per line.
 */

/**
 * A batch's entries live until its bytes are written. From a 1 MiB read (about 15 000 lines)
 * they outgrew the 2 MiB young generation and were promoted: a `logs` of 200 000 lines peaked
 * near 150 MB. From 256 KiB they die young: about 120 MB, at the same speed.
 */
const CHUNK = 256 << 10;
const TAIL_BLOCK = 64 * 1024;
const NL = 0x0a;
const POLL_MS = 250;

/**
 * Entry by entry. A hand-written iterator over the batches: a `yield*` per entry in an async
 * generator costs about as much again as all the parsing.
 */
export function readLogs(path: string, opts: ReadLogsOptions): AsyncIterable<LogEntry> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<LogEntry> {
      const batches = readLogBatches(path, opts);
      let batch: LogEntry[] = [];
      let i = 0;
      const pull = async (): Promise<IteratorResult<LogEntry>> => {
        for (;;) {
          if (i < batch.length) return { value: batch[i++], done: false };
          const r = await batches.next();
          if (r.done) return { value: undefined, done: true };
          batch = r.value;
          i = 0;
        }
      };
      return {
        next: () => (i < batch.length ? Promise.resolve({ value: batch[i++], done: false }) : pull()),
        return: async () => {
          await batches.return(undefined);
          return { value: undefined, done: true };
        },
      };
    },
  };
}

export async function* readLogBatches(path: string, opts: ReadLogsOptions): AsyncGenerator<LogEntry[]> {
  const follow = opts.follow === true;
  const waiter = follow ? new ChangeWaiter(path, opts.signal) : undefined;
  let fh: FileHandle | undefined;
  try {
    fh = await openLog(path, waiter, opts);
    if (!fh) return;
    const size = (await fh.stat()).size;
    const tail = opts.tail !== undefined && opts.tail >= 0 ? opts.tail : undefined;
    const start = tail === undefined ? { offset: 0, found: 0 } : await tailStart(fh, size, tail);
    const parser = new EntryParser(opts);
    // the files rotation kept (rotation.ts), oldest first, before the one conmon writes
    const older = await olderFiles(path, tail === undefined ? undefined : tail - start.found);
    for (const { file, offset } of older) {
      for await (const entries of readRotated(file, offset, parser)) {
        yield entries;
        if (parser.done) return;
      }
    }
    let cursor = new Cursor(fh, start.offset);
    let finishing = false;
    /** the old file read once more after conmon replaced it */
    let drained = false;
    for (;;) {
      // read to the end of what is there now
      for await (const entries of cursor.toEnd(parser)) {
        yield entries;
        if (parser.done) return;
      }
      const stopped = opts.signal?.aborted || (opts.isRunning !== undefined && !opts.isRunning());
      if (!follow || finishing) {
        const last = parser.flush();
        if (last.length) yield last;
        return;
      }
      // one more pass after the container stopped: conmon flushed its last output first
      if (stopped) {
        finishing = true;
        continue;
      }
      // conmon starts a new file when the log would pass --log-size-max (renamed over the old
      // one): once the old one is read to its end (again: conmon may have flushed into it since
      // the pass above), the follower goes on in the new one
      if (await replaced(path, fh)) {
        if (!drained) {
          drained = true;
          continue;
        }
        await fh.close();
        fh = await open(path, "r");
        cursor = new Cursor(fh, 0);
        drained = false;
        waiter?.rewatch();
        continue;
      }
      await waiter?.next();
      // truncated under us: start over
      if ((await fh.stat()).size < cursor.pos) cursor = new Cursor(fh, 0);
    }
  } finally {
    waiter?.close();
    await fh?.close();
  }
}

/**
 * The rotated files to read before the log, oldest first, each from an offset: all of them, or
 * (`wanted` entries of a tail still missing) only as far back as those reach.
 */
async function olderFiles(path: string, wanted?: number): Promise<{ file: string; offset: number }[]> {
  if (wanted === 0) return [];
  const out: { file: string; offset: number }[] = [];
  let missing = wanted;
  for (const file of rotatedLogs(path).reverse()) {
    if (missing === undefined) {
      out.unshift({ file, offset: 0 });
      continue;
    }
    const fh = await open(file, "r").catch(() => undefined);
    if (!fh) continue;
    try {
      const { offset, found } = await tailStart(fh, (await fh.stat()).size, missing);
      out.unshift({ file, offset });
      missing -= found;
      if (missing === 0) break;
    } finally {
      await fh.close();
    }
  }
  return out;
}

/** A rotated file from `offset` to its end, through the reader's parser. */
async function* readRotated(file: string, offset: number, parser: EntryParser): AsyncGenerator<LogEntry[]> {
  const fh = await open(file, "r").catch(() => undefined);
  if (!fh) return; // shifted out meanwhile
  try {
    yield* new Cursor(fh, offset).toEnd(parser);
  } finally {
    await fh.close();
  }
}

/** A place in an open log, with the start of a line whose end is not read yet. */
class Cursor {
  readonly #fh: FileHandle;
  pos: number;
  #rest: Buffer = Buffer.alloc(0);

  constructor(fh: FileHandle, pos: number) {
    this.#fh = fh;
    this.pos = pos;
  }

  /** Parses what the file holds from here to its end now; stops early once the parser is done. */
  async *toEnd(parser: EntryParser): AsyncGenerator<LogEntry[]> {
    for (;;) {
      const rest = this.#rest;
      const buf = Buffer.allocUnsafe(Math.max(CHUNK, rest.length * 2));
      rest.copy(buf, 0);
      const { bytesRead } = await this.#fh.read(buf, rest.length, buf.length - rest.length, this.pos);
      if (bytesRead === 0) return;
      this.pos += bytesRead;
      const { entries, restStart } = parser.parse(buf, rest.length + bytesRead);
      this.#rest = buf.subarray(restStart, rest.length + bytesRead);
      if (entries.length) yield entries;
      if (parser.done) return;
    }
  }
}

async function openLog(path: string, waiter: ChangeWaiter | undefined, opts: ReadLogsOptions) {
  for (;;) {
    try {
      return await open(path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      // no log yet (or none at all): following waits for conmon to create it
      if (!waiter || opts.signal?.aborted || (opts.isRunning && !opts.isRunning())) return undefined;
      await waiter.next();
    }
  }
}

/** Turns lines into entries, joining P lines to the next F line of the same stream. */
class EntryParser {
  #stdout: boolean;
  #stderr: boolean;
  /** [seconds, nanoseconds] bounds; since is dropped once an entry passed it */
  #since: [number, number] | undefined;
  #until: [number, number] | undefined;
  #cache = new TimeCache();
  #pending: Record<
    "stdout" | "stderr",
    { parts: Buffer[]; ms: number; date: Date; nanos: number } | undefined
  > = {
    stdout: undefined,
    stderr: undefined,
  };
  /** an entry past `until` was seen: nothing later can match */
  done = false;

  constructor(opts: ReadLogsOptions) {
    this.#stdout = opts.stdout !== false;
    this.#stderr = opts.stderr !== false;
    this.#since = opts.since ? exactTime(opts.since) : undefined;
    this.#until = opts.until ? exactTime(opts.until) : undefined;
  }

  /** before `since` (and nothing passed it yet) */
  #early(ms: number, nanos: number): boolean {
    if (!this.#since) return false;
    if (compareTime(ms, nanos, this.#since) < 0) return true;
    this.#since = undefined;
    return false;
  }

  #late(ms: number, nanos: number): boolean {
    return this.#until !== undefined && compareTime(ms, nanos, this.#until) > 0;
  }

  /** Parses the whole lines in buf[0, len); returns them and where the incomplete tail starts. */
  parse(buf: Buffer, len: number): { entries: LogEntry[]; restStart: number } {
    const entries: LogEntry[] = [];
    let pos = 0;
    while (pos < len) {
      const nl = buf.indexOf(NL, pos);
      if (nl < 0 || nl >= len) break;
      const line = parseLogLine(buf, pos, nl, this.#cache);
      const start = pos;
      pos = nl + 1;
      if (!line) continue;
      if (line.stream === "stdout" ? !this.#stdout : !this.#stderr) continue;
      const pending = this.#pending[line.stream];
      if (line.partial) {
        const piece = buf.subarray(line.contentStart, nl);
        if (pending) pending.parts.push(piece);
        else this.#pending[line.stream] = { parts: [piece], ms: line.ms, date: line.date, nanos: line.nanos };
        continue;
      }
      let data = buf.subarray(line.contentStart, nl + 1);
      let { ms, date, nanos } = line;
      if (pending) {
        data = Buffer.concat([...pending.parts, data]);
        ({ ms, date, nanos } = pending);
        this.#pending[line.stream] = undefined;
      }
      if (this.#early(ms, nanos)) continue;
      if (this.#late(ms, nanos)) {
        this.done = true;
        return { entries, restStart: start };
      }
      entries.push({ stream: line.stream, time: date, nanos, data });
    }
    return { entries, restStart: pos };
  }

  /** Partial lines still open at the end: emitted as they are, without a newline. */
  flush(): LogEntry[] {
    const out: LogEntry[] = [];
    for (const stream of ["stdout", "stderr"] as const) {
      const p = this.#pending[stream];
      this.#pending[stream] = undefined;
      if (!p || this.#early(p.ms, p.nanos) || this.#late(p.ms, p.nanos)) continue;
      out.push({ stream, time: p.date, nanos: p.nanos, data: Buffer.concat(p.parts) });
    }
    return out.sort((a, b) => a.time.getTime() - b.time.getTime());
  }
}

/** [seconds, nanoseconds] of a Date that may carry its exact nanoseconds since the epoch */
function exactTime(d: Date & { nanos?: bigint }): [number, number] {
  if (d.nanos !== undefined) {
    const s = d.nanos / 1_000_000_000n;
    let ns = d.nanos - s * 1_000_000_000n;
    let sec = s;
    if (ns < 0n) {
      ns += 1_000_000_000n;
      sec -= 1n;
    }
    return [Number(sec), Number(ns)];
  }
  const ms = d.getTime();
  const sec = Math.floor(ms / 1000);
  return [sec, (ms - sec * 1000) * 1_000_000];
}

/** an entry's time (ms since the epoch and nanoseconds within its second) against a bound */
function compareTime(ms: number, nanos: number, [sec, ns]: [number, number]): number {
  const s = Math.floor(ms / 1000);
  return s !== sec ? s - sec : nanos - ns;
}

/**
 * Offset of the first of the last `n` entries (an entry: P lines then an F line), scanning
 * backwards in 64 KiB blocks. Counts entries of both streams, as Docker's --tail does before
 * its stream filter.
 */
export async function tailOffset(fh: FileHandle, size: number, n: number): Promise<number> {
  return (await tailStart(fh, size, n)).offset;
}

/** tailOffset, and how many entries start there (fewer than `n` when the file has fewer). */
async function tailStart(
  fh: FileHandle,
  size: number,
  n: number,
): Promise<{ offset: number; found: number }> {
  if (n === 0) return { offset: size, found: 0 };
  let count = 0;
  let target = -1;
  let carry: Buffer = Buffer.alloc(0);
  let pos = size;
  while (pos > 0) {
    const len = Math.min(TAIL_BLOCK, pos);
    pos -= len;
    const block = Buffer.allocUnsafe(len);
    await fh.read(block, 0, len, pos);
    const buf = carry.length ? Buffer.concat([block, carry]) : block;
    // newlines in the block only: carry ends with the newline that ends its line
    let search = pos + len === size && buf[len - 1] === NL ? len - 2 : len - 1;
    let earliest = -1;
    while (search >= 0) {
      const i = buf.lastIndexOf(NL, search);
      if (i < 0) break;
      earliest = i;
      search = i - 1;
      const r = visit(buf, i + 1, pos + i + 1);
      if (r !== undefined) return { offset: r, found: n };
    }
    carry = earliest >= 0 ? buf.subarray(0, earliest + 1) : buf;
  }
  // the file's first line
  const first = visit(carry, 0, 0);
  return first !== undefined || target >= 0
    ? { offset: first ?? target, found: n }
    : { offset: 0, found: count };

  /** Looks at the line at buf[s] (file offset `at`); returns the answer once known. */
  function visit(buf: Buffer, s: number, at: number): number | undefined {
    const t = tagAt(buf, s);
    if (target >= 0) {
      // extending the found entry over the P lines before its F line
      if (t === "P") {
        target = at;
        return undefined;
      }
      return target;
    }
    if (t === "F" && ++count === n) target = at;
    return undefined;
  }
}

function tagAt(buf: Buffer, s: number): "F" | "P" | undefined {
  // fast path: conmon's 35-byte timestamp, then " stdout " or " stderr "
  let tagIndex = s + 43;
  if (buf[s + 35] !== 0x20 || buf[s + 42] !== 0x20) {
    const sp = buf.indexOf(0x20, s);
    if (sp < 0) return undefined;
    tagIndex = sp + 8;
  }
  const t = buf[tagIndex];
  return t === 0x46 ? "F" : t === 0x50 ? "P" : undefined;
}

/** Whether the path now names another file than the open one. */
async function replaced(path: string, fh: FileHandle): Promise<boolean> {
  const [opened, named] = await Promise.all([fh.stat(), stat(path).catch(() => undefined)]);
  return named !== undefined && (named.ino !== opened.ino || named.dev !== opened.dev);
}

/** Wakes a follower when the log changes (inotify), every 250 ms (fallback), or on abort. */
class ChangeWaiter {
  #watcher: FSWatcher | undefined;
  #path: string;
  #wake: (() => void) | undefined;
  #signal: AbortSignal | undefined;
  #onAbort = () => this.#fire();

  constructor(path: string, signal?: AbortSignal) {
    this.#path = path;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort);
  }

  #fire(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  next(): Promise<void> {
    if (!this.#watcher) {
      try {
        this.#watcher = watch(this.#path, { persistent: false }, () => this.#fire());
        this.#watcher.on("error", () => {});
      } catch {
        // not there yet, or no inotify: polling covers it
      }
    }
    if (this.#signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#fire(), POLL_MS);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The path names a new file: watch that one from the next wait. */
  rewatch(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  close(): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#watcher?.close();
    this.#fire();
  }
}
