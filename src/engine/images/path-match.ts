import { invalid } from "../../lib/errors.ts";

const escapeRe = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");

/**
 * Go's path.Match as a RegExp: `*` is any run of non-`/` characters, `?` one of them, `[a-z]`
 * and `[^...]` classes, `\` escapes. A malformed pattern throws Go's "syntax error in pattern".
 */
export function pathPattern(pattern: string): RegExp {
  const bad = () => invalid("syntax error in pattern");
  let out = "";
  let i = 0;
  const literal = (): string => {
    let c = pattern[i++];
    if (c === "\\") {
      if (i >= pattern.length) throw bad();
      c = pattern[i++];
    }
    return c;
  };
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "*") {
      out += "[^/]*";
      i++;
    } else if (c === "?") {
      out += "[^/]";
      i++;
    } else if (c === "[") {
      i++;
      let cls = "";
      if (pattern[i] === "^") {
        cls += "^";
        i++;
      }
      let ranges = 0;
      for (;;) {
        if (i >= pattern.length) throw bad();
        if (pattern[i] === "]" && ranges > 0) {
          i++;
          break;
        }
        if (pattern[i] === "-" || pattern[i] === "]") throw bad();
        const lo = literal();
        let hi = lo;
        if (pattern[i] === "-") {
          i++;
          if (i >= pattern.length || pattern[i] === "]" || pattern[i] === "-") throw bad();
          hi = literal();
          if (hi < lo) throw bad();
        }
        cls += lo === hi ? escapeRe(lo) : `${escapeRe(lo)}-${escapeRe(hi)}`;
        ranges++;
      }
      out += `[${cls}]`;
    } else {
      out += escapeRe(literal());
    }
  }
  return new RegExp(`^${out}$`, "s");
}
