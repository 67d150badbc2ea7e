// BuildKit's "did you mean X?" (util/suggest): the closest option within an edit distance of 2.

/** Levenshtein distance with unit costs (agext/levenshtein's defaults). */
export function editDistance(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[t.length];
}

/**
 * The option closest to `val` (distance < 3), or undefined. An exact match means the value was
 * fine, so there is nothing to suggest. Case-insensitive search answers in the case of `val`.
 */
export function suggest(val: string, options: readonly string[], caseSensitive: boolean): string | undefined {
  const v = caseSensitive ? val : val.toLowerCase();
  let match: string | undefined;
  let best = 3;
  for (const raw of options) {
    const opt = caseSensitive ? raw : raw.toLowerCase();
    if (v === opt) return undefined;
    const d = editDistance(v, opt);
    if (d < best) {
      best = d;
      match = caseSensitive ? opt : matchCase(opt, val);
    }
  }
  return match;
}

function matchCase(opt: string, orig: string): string {
  if (orig === orig.toLowerCase()) return opt.toLowerCase();
  if (orig === orig.toUpperCase()) return opt.toUpperCase();
  return opt;
}

/** `msg (did you mean X?)` when there is a suggestion. */
export function withSuggestion(
  msg: string,
  val: string,
  options: readonly string[],
  caseSensitive: boolean,
): string {
  const m = suggest(val, options, caseSensitive);
  return m === undefined ? msg : `${msg} (did you mean ${m}?)`;
}
