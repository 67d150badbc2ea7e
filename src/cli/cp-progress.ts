import { Transform } from "node:stream";
import { humanSizeWithPrecision } from "./format/human-units.ts";
import type { Stdio } from "./stdio.ts";

/**
 * docker cp's progress (cli/command/container/cp.go copyProgress): on a terminal, stderr shows
 * "Copying to container - 1.2MB" updated every 75 ms; either way, unless quiet, a final
 * "Successfully copied 1.2MB to <dest>" line. Sizes count the tar bytes that went through.
 */

const ESC = "\x1b[";
export const COPY_TO_HEADER = "Copying to container - ";
export const COPY_FROM_HEADER = "Copying from container - ";

/** units.HumanSizeWithPrecision(n, 3): "1.5kB". */
export const progressSize = (n: number) => humanSizeWithPrecision(n, 3);

export class CopyProgress {
  total = 0;
  readonly #stderr: Stdio["stderr"];
  #timer?: NodeJS.Timeout;

  constructor(stderr: Stdio["stderr"]) {
    this.#stderr = stderr;
  }

  /** A pass-through that counts what is read through it. */
  counter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.total += chunk.length;
        cb(null, chunk);
      },
    });
  }

  /** Starts the live display (terminals only). */
  start(header: string): void {
    const err = this.#stderr;
    if (!err.isTTY) return;
    err.write(`${ESC}sPreparing to copy...`);
    err.write(`${ESC}?25l${ESC}u${ESC}2K${header}${progressSize(0)}`);
    let last = 0;
    this.#timer = setInterval(() => {
      if (this.total === last) return;
      last = this.total;
      err.write(`${ESC}${header.length + 1}G${ESC}0K${progressSize(last)}`);
    }, 75);
  }

  /** Ends the display and prints the summary line. */
  finish(dest: string): void {
    const err = this.#stderr;
    if (this.#timer) {
      clearInterval(this.#timer);
      err.write(`${ESC}?25h${ESC}u${ESC}2K`);
    }
    err.write(`Successfully copied ${progressSize(this.total)} to ${dest}\n`);
  }
}
