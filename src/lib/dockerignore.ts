/**
 * .dockerignore as Docker reads and applies it: moby/patternmatcher v0.6 and its ignorefile
 * reader. Used by the CLI (packing a build context) and the daemon (filtering one).
 *
 * Rules: `#` starts a comment only in column 1; lines are trimmed; `!` marks an exception;
 * patterns are cleaned (`./a` → `a`, `a/` → `a`, `/a` → `a`); `*` and `?` stop at `/`, `**` spans
 * directories, `[...]` classes and `\` escapes as Go's filepath.Match; a pattern that matches a
 * directory matches everything under it; the last matching pattern decides.
 */

import { invalid } from "./errors.ts";
import { goClean, goDir } from "./go-path.ts";

/** The patterns of a .dockerignore file, in order (ignorefile.ReadAll). */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n].replace(/\r$/, "");
    if (n === 0 && line.startsWith("\ufeff")) line = line.slice(1);
    if (line.startsWith("#")) continue;
    let pattern = goTrim(line);
    if (pattern === "") continue;
    const invert = pattern[0] === "!";
    if (invert) pattern = goTrim(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern[0] === "/") pattern = pattern.slice(1);
    }
    out.push(invert ? `!${pattern}` : pattern);
  }
  return out;
}

/** Per-pattern results for a directory, handed to its children (patternmatcher.MatchInfo). */
export type MatchInfo = readonly boolean[];

export interface IgnoreMatcher {
  /** same as ignores(), so the matcher can be passed where a predicate is expected */
  (relPath: string): boolean;
  /**
   * Whether the context path (slash-separated, relative to the context root) is excluded, its
   * parent directories included in the test (MatchesOrParentMatches). The root (".") never is.
   */
  ignores(relPath: string): boolean;
  /**
   * Whether an excluded directory must still be walked because an exception (`!pattern`) could
   * re-include something under it. Docker's walk checks only whether an exception's text starts
   * with the directory's path, so `!**\/keep` does not reach into an excluded directory either.
   */
  mayHaveExceptionsUnder(dirRelPath: string): boolean;
  /**
   * ignores() for a walker that matches parents first and passes their MatchInfo down (Docker's
   * archive walk, MatchesUsingParentResults); without `parent`, the same as ignores().
   */
  matchWithParent(relPath: string, parent?: MatchInfo): { ignored: boolean; info: MatchInfo };
}

/**
 * A matcher for the patterns (as parseDockerignore returns them). Throws KapselError "invalid"
 * for a malformed pattern: `syntax error in pattern`, `illegal exclusion pattern: "!"`.
 */
export function ignoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const compiled = patterns.flatMap((p) => {
    const c = compilePattern(p);
    return c ? [c] : [];
  });
  const exclusions = compiled.some((p) => p.exclusion);

  const matchWithParent = (relPath: string, parent?: MatchInfo) => {
    if (parent && parent.length !== 0 && parent.length !== compiled.length) {
      throw invalid("wrong number of values in parentMatched");
    }
    const file = relPath;
    let matched = false;
    const info = compiled.map(() => false);
    compiled.forEach((p, i) => {
      let match = parent && parent.length !== 0 ? parent[i] : false;
      if (!match) {
        // an inclusion cannot change a match, an exclusion cannot change a non-match
        if (p.exclusion !== matched) return;
        match = p.match(file);
        if (!match && !(parent && parent.length !== 0)) match = parentsMatch(p, file);
      }
      info[i] = match;
      if (match) matched = !p.exclusion;
    });
    return { ignored: matched, info };
  };

  const ignores = (relPath: string): boolean => {
    const file = goClean(relPath);
    if (file === ".") return false;
    let matched = false;
    for (const p of compiled) {
      if (p.exclusion !== matched) continue;
      if (p.match(file) || parentsMatch(p, file)) matched = !p.exclusion;
    }
    return matched;
  };

  const mayHaveExceptionsUnder = (dirRelPath: string): boolean => {
    if (!exclusions) return false;
    const dirSlash = `${goClean(dirRelPath)}/`;
    return compiled.some((p) => p.exclusion && `${p.cleaned}/`.startsWith(dirSlash));
  };

  return Object.assign((relPath: string) => ignores(relPath), {
    ignores,
    mayHaveExceptionsUnder,
    matchWithParent,
  });
}

interface Pattern {
  cleaned: string;
  exclusion: boolean;
  match(path: string): boolean;
}

/** Whether the pattern matches one of the path's parent directories. */
function parentsMatch(p: Pattern, file: string): boolean {
  const parent = goDir(file);
  if (parent === ".") return false;
  const dirs = parent.split("/");
  for (let i = 0; i < dirs.length; i++) {
    if (p.match(dirs.slice(0, i + 1).join("/"))) return true;
  }
  return false;
}

function compilePattern(raw: string): Pattern | undefined {
  let p = goTrim(raw);
  if (p === "") return undefined;
  p = goClean(p);
  let exclusion = false;
  if (p[0] === "!") {
    if (p.length === 1) throw invalid('illegal exclusion pattern: "!"');
    exclusion = true;
    p = p.slice(1);
  }
  if (!validGlob(p)) throw invalid("syntax error in pattern");
  const cleaned = p;
  const { type, regex } = toMatcher(cleaned);
  let match: (path: string) => boolean;
  if (type === "exact") match = (path) => path === cleaned;
  else if (type === "prefix") {
    const prefix = cleaned.slice(0, -2); // the trailing **
    match = (path) => path.startsWith(prefix);
  } else if (type === "suffix") {
    const suffix = cleaned.slice(2); // the leading **
    match = (path) => path.endsWith(suffix) || (suffix[0] === "/" && path === suffix.slice(1));
  } else match = (path) => regex!.test(path);
  return { cleaned, exclusion, match };
}

type MatchType = "exact" | "prefix" | "suffix" | "regexp";

const GO_QUOTED = new Set([".", "+", "(", ")", "|", "{", "}", "$"]);
const JS_SYNTAX = new Set(["^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/"]);
const ANY = "[^\\n]"; // Go's `.`

/**
 * patternmatcher's compile: patterns without wildcards compare as strings, `dir/**` as a prefix,
 * `**\/x` as a suffix, the rest as a regular expression.
 */
function toMatcher(pattern: string): { type: MatchType; regex?: RegExp } {
  const chars = Array.from(pattern);
  let re = "^";
  let type: MatchType = "exact";
  let inClass = false;
  for (let i = 0, at = 0; at < chars.length; i++) {
    const ch = chars[at++];
    if (ch === "*" && !inClass) {
      if (chars[at] === "*") {
        at++;
        if (chars[at] === "/") at++; // **/ is **
        if (at >= chars.length) {
          // ** at the end matches everything, as in .gitignore
          if (type === "exact") type = "prefix";
          else {
            re += `${ANY}*`;
            type = "regexp";
          }
        } else {
          re += `(?:${ANY}*/)?`;
          type = "regexp";
        }
        if (i === 0) type = "suffix";
      } else {
        re += "[^/]*";
        type = "regexp";
      }
    } else if (ch === "?" && !inClass) {
      re += "[^/]";
      type = "regexp";
    } else if (GO_QUOTED.has(ch)) {
      re += `\\${ch}`;
    } else if (ch === "\\") {
      // Go passes `\x` to its regexp; kapsel matches the character x, as filepath.Match does
      if (at < chars.length) {
        const c = chars[at++];
        re += c === "-" && inClass ? "\\-" : escapeChar(c);
        type = "regexp";
      } else re += "\\\\";
    } else if (ch === "[" || ch === "]") {
      if (ch === "[" && !inClass) {
        inClass = true;
        re += "[";
        if (chars[at] === "^") re += chars[at++];
      } else if (ch === "]" && inClass) {
        inClass = false;
        re += "]";
      } else re += `\\${ch}`;
      type = "regexp";
    } else {
      re += ch === "-" ? "-" : escapeChar(ch); // a range inside a class, a plain - outside
    }
  }
  if (type !== "regexp") return { type };
  return { type, regex: new RegExp(`${re}$`, "u") };
}

function escapeChar(ch: string): string {
  return JS_SYNTAX.has(ch) ? `\\${ch}` : ch;
}

/** Go's filepath.Match syntax check: escapes complete, classes closed and non-empty, ranges sane. */
function validGlob(pattern: string): boolean {
  const c = Array.from(pattern);
  const n = c.length;
  // a possibly-escaped class character at i; returns the index after it, or -1
  const getEsc = (i: number): number => {
    if (i >= n || c[i] === "-" || c[i] === "]") return -1;
    if (c[i] === "\\") i++;
    if (i >= n) return -1;
    i++;
    return i >= n ? -1 : i; // a class must still be closed
  };
  for (let i = 0; i < n; ) {
    if (c[i] === "\\") {
      if (i + 1 >= n) return false;
      i += 2;
    } else if (c[i] === "[") {
      i++;
      if (i < n && c[i] === "^") i++;
      for (let ranges = 0; ; ranges++) {
        if (i < n && c[i] === "]" && ranges > 0) {
          i++;
          break;
        }
        i = getEsc(i);
        if (i < 0) return false;
        if (c[i] === "-") {
          i = getEsc(i + 1);
          if (i < 0) return false;
        }
      }
    } else i++;
  }
  return true;
}

const GO_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, "g");

/** Go's strings.TrimSpace. */
function goTrim(s: string): string {
  return s.replace(TRIM, "");
}
