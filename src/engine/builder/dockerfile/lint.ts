// Build checks: BuildKit's rules (same names, messages and URLs) plus kapsel's own, filtered by
// the `# check=` directive (`skip=Rule1,Rule2`, `skip=all`, `error=true`). Pure: the Dockerfile
// only, no image configs (so BuildKit's UndefinedVar, which needs the base image's env, is left out).

import { parseGoBool } from "../../../lib/go-bool.ts";
import { buildkitRules } from "./lint-buildkit.ts";
import { kapselRules } from "./lint-kapsel.ts";
import type { Dockerfile } from "./types.ts";

export interface LintWarning {
  /** BuildKit's rule name (e.g. "JSONArgsRecommended") or kapsel's (e.g. "FromLatestTag") */
  rule: string;
  /** 1-based line of the instruction the warning is about */
  line: number;
  message: string;
  /** the rule's documentation (BuildKit's rules only) */
  url?: string;
}

export interface CheckOptions {
  skipAll: boolean;
  skip: Set<string>;
  /** `error=true`: a build with warnings fails */
  error: boolean;
}

/** Every warning not skipped by `# check=`, ordered by line. */
export function lint(df: Dockerfile): LintWarning[] {
  const opts = parseCheckOptions(df.check);
  if (opts.skipAll) return [];
  const all = [...buildkitRules(df), ...kapselRules(df)];
  return all.filter((w) => !opts.skip.has(w.rule)).sort((a, b) => a.line - b.line);
}

/** Whether `# check=error=true` asks to fail the build when there are warnings. */
export function checkErrors(df: Dockerfile): boolean {
  return parseCheckOptions(df.check).error;
}

/** BuildKit's text for one warning: "Rule: message (line N)". kapsel prints "WARN: " before it. */
export function lintWarningText(w: LintWarning): string {
  return w.line > 0 ? `${w.rule}: ${w.message} (line ${w.line})` : `${w.rule}: ${w.message}`;
}

/** BuildKit's failure for `error=true`: "lint violation found for rules: A, B". */
export function lintFailureMessage(warnings: readonly LintWarning[]): string {
  return `lint violation found for rules: ${[...new Set(warnings.map((w) => w.rule))].join(", ")}`;
}

/**
 * BuildKit's `# check=` syntax: up to three `;`-separated `key=value` parts, keys skip, error,
 * experimental. BuildKit fails the build on a malformed value; the classic builder never reads
 * it, so kapsel ignores what it cannot parse.
 */
export function parseCheckOptions(check: string | undefined): CheckOptions {
  const opts: CheckOptions = { skipAll: false, skip: new Set(), error: false };
  const s = (check ?? "").trim();
  if (s === "") return opts;
  const parts = s.split(";");
  const limited = parts.length > 3 ? [...parts.slice(0, 2), parts.slice(2).join(";")] : parts;
  for (const p of limited) {
    const eq = p.indexOf("=");
    if (eq < 0) continue;
    const key = p.slice(0, eq).trim();
    const value = p.slice(eq + 1).trim();
    if (key === "skip") {
      if (value === "all") opts.skipAll = true;
      else for (const r of value.split(",")) opts.skip.add(r.trim());
    } else if (key === "error") {
      const b = parseGoBool(value);
      if (b !== undefined) opts.error = b;
    }
  }
  return opts;
}
