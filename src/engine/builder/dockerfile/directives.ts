// Parser directives (`# escape=`, `# syntax=`, `# check=`): BuildKit's DirectiveParser. They count
// only in the comment block at the very top: the first line that is not a known directive (a blank
// line, another comment, an instruction) ends the block. Keys are case-insensitive; each at most once.

const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
const KNOWN = new Set(["syntax", "escape", "check"]);

export type EscapeToken = "\\" | "`";

export class Directives {
  escape: EscapeToken = "\\";
  /** matches an escape token that continues the line (not one that is itself escaped) */
  continuation = continuationRegex("\\");
  readonly values = new Map<string, string>();
  #done = false;

  /**
   * Looks at one line (newline and, for a first line, leading space already removed). Returns
   * whether it was a directive; throws (message only) on a repeated directive or a bad escape.
   */
  parseLine(line: string): boolean {
    if (this.#done) return false;
    const m = DIRECTIVE.exec(line);
    const key = m?.[1].toLowerCase();
    if (!m || key === undefined || !KNOWN.has(key)) {
      this.#done = true;
      return false;
    }
    if (this.values.has(key)) throw new Error(`only one ${key} parser directive can be used`);
    this.values.set(key, m[2]);
    if (key === "escape") {
      if (m[2] !== "`" && m[2] !== "\\")
        throw new Error(`invalid escape token '${m[2]}' does not match \` or \\`);
      this.escape = m[2];
      this.continuation = continuationRegex(m[2]);
    }
    return true;
  }
}

// `([^\\])\\[ \t]*$|^\\[ \t]*$`: a trailing escape token (plus blanks), or a line that is only one.
function continuationRegex(escapeToken: string): RegExp {
  const e = `\\${escapeToken}`;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}
