import { joinErrors } from "./status-error.ts";
import type { Stdio } from "./stdio.ts";

/**
 * Docker's parallelOperation for stop/kill/rm/pause/...: runs `op` on each reference (at most
 * 50 at a time), then prints each one that succeeded, in the order given, and throws the
 * failures joined (exit status 1). `tolerate` lets an error be printed instead of failing.
 */
export async function forEachContainer(
  refs: readonly string[],
  op: (ref: string) => Promise<void>,
  stdio: Stdio,
  tolerate?: (err: unknown) => boolean,
): Promise<number> {
  const results = await mapLimit(refs, 50, async (ref) => {
    try {
      await op(ref);
      return undefined;
    } catch (err) {
      return { err };
    }
  });
  const errors: unknown[] = [];
  refs.forEach((ref, i) => {
    const r = results[i];
    if (!r) {
      stdio.stdout.write(`${ref}\n`);
      return;
    }
    if (tolerate?.(r.err)) {
      stdio.stderr.write(`${describe(r.err)}\n`);
      return;
    }
    errors.push(r.err);
  });
  const failure = joinErrors(errors);
  if (failure) throw failure;
  return 0;
}

function describe(err: unknown): string {
  return joinErrors([err])?.message ?? "";
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
