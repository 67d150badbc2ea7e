import { invalid } from "../lib/errors.ts";

/**
 * Docker's detach keys ("ctrl-p,ctrl-q", "a,ctrl-@"): a comma list of single characters or
 * ctrl-<a-z @ [ \ ] ^ _>. Returns the byte sequence.
 */
export function parseDetachKeys(spec: string): Buffer {
  const bytes: number[] = [];
  for (const key of spec.split(",")) {
    if (key.length === 1) {
      bytes.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/i.exec(key);
    if (!m) throw invalid(`Invalid escape keys (${spec}) provided`);
    const c = m[1].toLowerCase();
    if (c >= "a" && c <= "z") bytes.push(c.charCodeAt(0) - 96);
    else if ("@[\\]^_".includes(c)) bytes.push("@[\\]^_".indexOf(c) === 0 ? 0 : 27 + "[\\]^_".indexOf(c));
    else throw invalid(`Invalid escape keys (${spec}) provided`);
  }
  return Buffer.from(bytes);
}

/**
 * Watches a stdin stream for the detach sequence. Bytes that might begin the sequence are held
 * back until it is clear they don't; the sequence itself never reaches the container.
 */
export class DetachScanner {
  #keys: Buffer;
  #held: number[] = [];
  constructor(keys: Buffer) {
    this.#keys = keys;
  }

  push(chunk: Buffer): { data: Buffer; detach: boolean } {
    if (this.#keys.length === 0) return { data: chunk, detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.#keys[this.#held.length]) {
        this.#held.push(b);
        if (this.#held.length === this.#keys.length) return { data: Buffer.from(out), detach: true };
        continue;
      }
      out.push(...this.#held);
      this.#held = [];
      if (b === this.#keys[0]) this.#held.push(b);
      else out.push(b);
    }
    return { data: Buffer.from(out), detach: false };
  }
}
