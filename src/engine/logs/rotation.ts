import {
  existsSync,
  type FSWatcher,
  linkSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  watch,
} from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Docker's json-file rotation (max-size with max-file > 1) on top of conmon's one-file log.
 * conmon starts the file anew when it would grow past --log-size-max: it renames a new empty
 * file over the old one, which would lose it. A hard link, `<log>.current`, always names the
 * file conmon writes, so the old one lives on under it; when the log is replaced, the files
 * shift as Docker's do (<log>.1 the newest rotated one, up to <log>.<max-file - 1>) and the
 * link moves to the new file.
 *
 * The shift happens when kapseld sees the replacement (inotify on the folder). One conmon makes
 * between two of those looks, or while kapseld is down, is lost but for the last: at worst the
 * log keeps fewer old files, never wrong ones.
 */

const CURRENT = ".current";

/** Rotated files of a log, oldest first (the one not yet shifted, if any, last). */
export function rotatedLogs(path: string): string[] {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path)).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  const numbered = names
    .map((n) => n.slice(prefix.length))
    .filter((s) => /^[1-9]\d*$/.test(s))
    .map(Number)
    .sort((a, b) => b - a)
    .map((n) => `${path}.${n}`);
  const current = `${path}${CURRENT}`;
  return names.includes(basename(current)) && !sameFile(current, path) ? [...numbered, current] : numbered;
}

/** Keeps up to `maxFiles` files of the log at `path` (the one conmon writes included). */
export class LogRotator {
  readonly #path: string;
  readonly #maxFiles: number;
  #watcher: FSWatcher | undefined;

  constructor(path: string, maxFiles: number) {
    this.#path = path;
    this.#maxFiles = maxFiles;
  }

  /** Catches up with what happened while nobody watched, then watches the log's folder. */
  start(): this {
    this.check();
    try {
      // conmon's rename of its new file over the log; not the writes (a "change" each)
      this.#watcher = watch(dirname(this.#path), { persistent: false }, (event, name) => {
        if (event === "rename" && name === basename(this.#path)) this.check();
      });
      this.#watcher.on("error", () => {});
    } catch {
      // no inotify: the next start or exit catches up
    }
    return this;
  }

  /** Shifts the files if conmon replaced the log, and links the one it now writes. */
  check(): void {
    const path = this.#path;
    const current = `${path}${CURRENT}`;
    try {
      if (!existsSync(path)) return;
      if (sameFile(current, path)) return;
      if (existsSync(current)) {
        rmSync(`${path}.${this.#maxFiles - 1}`, { force: true });
        for (let i = this.#maxFiles - 2; i >= 1; i--) renameIfThere(`${path}.${i}`, `${path}.${i + 1}`);
        if (this.#maxFiles > 1) renameSync(current, `${path}.1`);
        else rmSync(current, { force: true });
      }
      linkSync(path, current);
    } catch {
      // conmon replaced it again meanwhile, or the container is being removed: the next look settles it
    }
  }

  /** A last look (conmon has written its last), then no more watching. */
  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.check();
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const [sa, sb] = [statSync(a), statSync(b)];
    return sa.ino === sb.ino && sa.dev === sb.dev;
  } catch {
    return false;
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
