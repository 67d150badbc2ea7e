/**
 * COPY/ADD source wildcards as Docker's classic builder matches them: Go's filepath.Match on
 * the path relative to the context root (`*` and `?` never cross a `/`, `[a-z]`, `[^x]`, `\`
 * escapes). Since `*` stays within one component, a pattern is matched one path component at a
 * time, which lets the caller walk only the directories a pattern can reach.
 */

/** moby's containsWildcards: `*`, `?` or `[` not escaped by a backslash. */
export function hasWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === "\\") i++;
    else if (ch === "*" || ch === "?" || ch === "[") return true;
  }
  return false;
}

const cache = new Map<string, RegExp | null>();

/**
 * Go's filepath.Match of one component (no `/` in `name`). A malformed pattern matches
 * nothing, as the classic builder ignores Match's error.
 */
export function matchComponent(pattern: string, name: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = compile(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re?.test(name) === true;
}

/** The literal a pattern component stands for when it has no wildcards (escapes removed). */
export function unescapeLiteral(component: string): string {
  return component.replace(/\\(.)/g, "$1");
}

function compile(pattern: string): RegExp | null {
  let src = "";
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === "*") src += "[^/]*";
    else if (ch === "?") src += "[^/]";
    else if (ch === "\\") {
      if (i + 1 >= chars.length) return null; // ErrBadPattern
      src += escapeRe(chars[++i]);
    } else if (ch === "[") {
      const cls = readClass(chars, i + 1);
      if (!cls) return null;
      src += cls.src;
      i = cls.end;
    } else src += escapeRe(ch);
  }
  return new RegExp(`^${src}$`, "u");
}

/** A character class from chars[start] (after `[`) to its `]`; Go's rules: `^` negates, ranges lo-hi. */
function readClass(chars: string[], start: number): { src: string; end: number } | undefined {
  let i = start;
  let negate = false;
  if (chars[i] === "^") {
    negate = true;
    i++;
  }
  const parts: string[] = [];
  let first = true;
  for (;;) {
    if (i >= chars.length) return undefined;
    if (chars[i] === "]" && !first) break;
    first = false;
    const lo = readClassChar(chars, i);
    if (!lo) return undefined;
    i = lo.next;
    if (chars[i] === "-") {
      const hi = readClassChar(chars, i + 1);
      if (!hi) return undefined;
      if (hi.ch.codePointAt(0)! < lo.ch.codePointAt(0)!) return undefined;
      parts.push(`${escapeClass(lo.ch)}-${escapeClass(hi.ch)}`);
      i = hi.next;
    } else parts.push(escapeClass(lo.ch));
  }
  return { src: `[${negate ? "^" : ""}${parts.join("")}]`, end: i };
}

function readClassChar(chars: string[], i: number): { ch: string; next: number } | undefined {
  const ch = chars[i];
  if (ch === undefined || ch === "-" || ch === "]") return undefined;
  if (ch === "\\") {
    if (i + 1 >= chars.length) return undefined;
    return { ch: chars[i + 1], next: i + 2 };
  }
  return { ch, next: i + 1 };
}

function escapeRe(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

function escapeClass(ch: string): string {
  return /[\\\]^-]/.test(ch) ? `\\${ch}` : ch;
}
