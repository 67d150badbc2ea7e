/**
 * Go's json.Indent and json.Compact over raw JSON text, so `inspect` prints the daemon's
 * answer exactly (key order, number spelling, escapes) rather than a re-encoding of it.
 */
export function indentJson(raw: string, indent = "    "): string {
  let out = "";
  let depth = 0;
  let inString = false;
  let escaped = false;
  let pendingOpen = false;
  const newline = () => `\n${indent.repeat(depth)}`;
  for (const ch of raw) {
    if (inString) {
      out += ch;
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") continue;
    if (pendingOpen) {
      pendingOpen = false;
      if (ch === "}" || ch === "]") {
        depth--;
        out += ch;
        continue;
      }
      out += newline();
    }
    switch (ch) {
      case "{":
      case "[":
        out += ch;
        depth++;
        pendingOpen = true;
        break;
      case "}":
      case "]":
        depth--;
        out += newline() + ch;
        break;
      case ",":
        out += `,${newline()}`;
        break;
      case ":":
        out += ": ";
        break;
      case '"':
        inString = true;
        out += ch;
        break;
      default:
        out += ch;
    }
  }
  return out;
}

export function compactJson(raw: string): string {
  let out = "";
  let inString = false;
  let escaped = false;
  for (const ch of raw) {
    if (inString) {
      out += ch;
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") continue;
    if (ch === '"') inString = true;
    out += ch;
  }
  return out;
}
