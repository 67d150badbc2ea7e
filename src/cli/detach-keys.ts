/**
 * Detach keys (ctrl-p,ctrl-q by default): the typed sequence that leaves an attached TTY session
 * running. The client watches its own raw stdin for them, as Docker's escape proxy does; the
 * daemon is told the same keys for sessions without a TTY.
 */

export const DEFAULT_DETACH_KEYS = Uint8Array.from([16, 17]);

/** moby/term ToBytes: "ctrl-p,ctrl-q", "a", "ctrl-@" ... into key codes. */
export function detachKeyBytes(spec: string): Uint8Array {
  const codes: number[] = [];
  for (const key of spec.split(",")) {
    if (key.length === 1) {
      codes.push(key.charCodeAt(0));
      continue;
    }
    const lower = key.toLowerCase();
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(lower);
    if (key.length !== 6 || !m) throw new Error(`Unknown character: '${key}'`);
    const c = m[1];
    codes.push(c >= "a" && c <= "z" ? c.charCodeAt(0) - 96 : "@abcdefghijklmnopqrstuvwxyz[\\]^_".indexOf(c));
  }
  return Uint8Array.from(codes);
}

/**
 * Watches an input stream for the escape sequence. `push` returns the bytes to pass on and
 * whether the sequence was typed; bytes that might begin the sequence are held back until the
 * next chunk shows whether they do.
 */
export class EscapeWatcher {
  #keys: Uint8Array;
  #held = 0;

  constructor(keys: Uint8Array = DEFAULT_DETACH_KEYS) {
    this.#keys = keys;
  }

  push(chunk: Buffer): { forward: Buffer; detached: boolean } {
    if (this.#keys.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.#keys[this.#held]) {
        this.#held++;
        if (this.#held === this.#keys.length) {
          this.#held = 0;
          return { forward: Buffer.from(out), detached: true };
        }
        continue;
      }
      // a false start: the held bytes were ordinary input after all
      for (let i = 0; i < this.#held; i++) out.push(this.#keys[i]);
      this.#held = 0;
      if (byte === this.#keys[0]) this.#held = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}
