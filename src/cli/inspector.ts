import { GoTemplate } from "./format/template/go-template.ts";
import { compactJson, indentJson } from "./json-indent.ts";
import { errorText, StatusError } from "./status-error.ts";
import type { Stdio } from "./stdio.ts";

/**
 * One object found by reference: its typed view (inspect-types.ts), the JSON text printed
 * without a template, and the parsed raw JSON a failing template falls back to (docker has
 * none for `volume inspect`).
 */
export interface Inspected {
  typed: unknown;
  raw: string;
  value?: unknown;
}

/**
 * Docker's inspect.Inspect: no format prints the raw JSON objects as a 4-space indented array,
 * "json" as a compact one, anything else is a Go template run per object (a line each).
 * Objects that fail are reported after the output, joined, with exit status 1; a template that
 * does not parse is status 64. Over a typed object the template runs as docker's
 * TemplateInspector does: on the Go value first, and when that fails, again over the raw JSON
 * with missingkey=error, whose error (if any) is the one reported.
 */
export async function inspectAll(
  refs: readonly string[],
  format: string,
  get: (ref: string) => Promise<Inspected>,
  stdio: Stdio,
): Promise<number> {
  let template: GoTemplate | undefined;
  if (format !== "" && format !== "json") {
    try {
      template = GoTemplate.parse(format);
    } catch (err) {
      throw new StatusError(64, `template parsing error: ${(err as Error).message}`);
    }
  }
  // Go's tmpl.Option("missingkey=error") for the fallback changes the template itself: the
  // objects after it run with it too
  let current = template;
  const errors: string[] = [];
  const raws: string[] = [];
  let text = "";
  for (const ref of refs) {
    let found: Inspected;
    try {
      found = await get(ref);
    } catch (err) {
      errors.push(errorText(err));
      continue;
    }
    if (!template) {
      raws.push(found.raw.trim());
      continue;
    }
    try {
      text += `${current!.execute(found.typed)}\n`;
      continue;
    } catch (err) {
      if (found.value === undefined) {
        errors.push(`template parsing error: ${(err as Error).message}`);
        continue;
      }
      current = template.withMissingKey("error");
    }
    try {
      text += `${current.execute(found.value)}\n`;
    } catch (err) {
      errors.push(`template parsing error: ${(err as Error).message}`);
    }
  }
  if (template) {
    stdio.stdout.write(text === "" ? "\n" : text);
  } else if (raws.length === 0) {
    stdio.stdout.write("[]\n");
  } else {
    const list = `[${raws.join(",")}]`;
    stdio.stdout.write(`${format === "json" ? compactJson(list) : indentJson(list)}\n`);
  }
  if (errors.length > 0) throw new StatusError(1, errors.join("\n"));
  return 0;
}
