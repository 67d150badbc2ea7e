/**
 * Detach keys ("ctrl-p,ctrl-q" by default): the typed sequence that leaves an attached session
 * running. The daemon scans the stdin of sessions without a TTY for them; the CLI scans its own
 * raw terminal input, as Docker's escape proxy does. Both read the spec and scan here.
 */
import { invalid } from "./errors.ts";

export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

// moby/term's ASCII table: the names ToBytes accepts for bytes 0-31
const CTRL_NAMES = "@abcdefghijklmnopqrstuvwxyz[\\]^_";

/** moby/term ToBytes: "ctrl-p,ctrl-q", "a", "ctrl-@" ... into bytes; "Unknown character: 'x'". */
export function detachKeyBytes(spec: string): Buffer {
  const codes: number[] = [];
  for (const key of spec.split(",")) {
    if (Buffer.byteLength(key) === 1) {
      codes.push(key.charCodeAt(0));
      continue;
    }
    const lower = key.toLowerCase();
    const code = lower.length === 6 && lower.startsWith("ctrl-") ? CTRL_NAMES.indexOf(lower[5]) : -1;
    if (code < 0) throw new Error(`Unknown character: '${key}'`);
    codes.push(code);
  }
  return Buffer.from(codes);
}

/** The daemon's reading of a detachKeys parameter: an invalid-parameter error when it is wrong. */
export function parseDetachKeys(spec: string): Buffer {
  try {
    return detachKeyBytes(spec);
  } catch {
    throw invalid(`Invalid escape keys (${spec}) provided`);
  }
}

/**
 * Watches an input stream for the detach sequence. `push` returns the bytes to pass on and
 * whether the sequence was typed; bytes that might begin the sequence are held back until the
 * next chunk shows whether they do. The sequence itself never reaches the container.
 */
export class DetachScanner {
  #keys: Uint8Array;
  #held = 0;

  constructor(keys: Uint8Array) {
    this.#keys = keys;
  }

  push(chunk: Buffer): { data: Buffer; detach: boolean } {
    if (this.#keys.length === 0) return { data: chunk, detach: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.#keys[this.#held]) {
        this.#held++;
        if (this.#held === this.#keys.length) {
          this.#held = 0;
          return { data: Buffer.from(out), detach: true };
        }
        continue;
      }
      // a false start: the held bytes were ordinary input after all
      for (let i = 0; i < this.#held; i++) out.push(this.#keys[i]);
      this.#held = 0;
      if (byte === this.#keys[0]) this.#held = 1;
      else out.push(byte);
    }
    return { data: Buffer.from(out), detach: false };
  }
}
