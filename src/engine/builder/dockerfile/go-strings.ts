// Go's string helpers as BuildKit's parser uses them, so messages and splits come out byte for byte
// as Docker's: unicode.IsSpace, strings.TrimSpace, strconv.Quote (the `%q` verb).

const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const LEADING_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const TRAILING_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;

/** Go's unicode.IsSpace for one character. */
export function isSpace(ch: string): boolean {
  return SPACE.test(ch);
}

/** Go's strings.TrimSpace (JS trim() also strips U+FEFF and leaves U+0085). */
export function trimSpace(s: string): string {
  return s.replace(LEADING_SPACE, "").replace(TRAILING_SPACE, "");
}

export function trimLeftSpace(s: string): string {
  return s.replace(LEADING_SPACE, "");
}

export { goQuote } from "../../../lib/go-quote.ts";
