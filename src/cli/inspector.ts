import { GoTemplate } from "./format/template/go-template.ts";
import { compactJson, indentJson } from "./json-indent.ts";
import { errorText, StatusError } from "./status-error.ts";
import type { Stdio } from "./stdio.ts";

/**
 * One object found by reference: the parsed value and the daemon's JSON text, and, for the
 * objects docker decodes into Go types (containers, images), that typed view.
 */
export interface Inspected {
  value: unknown;
  raw: string;
  typed?: unknown;
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
      // Docker runs the template over typed structs (an unknown field fails, as over the raw
      // JSON with missingkey=error), while its typed maps (labels...) give "<no value>"
      template = GoTemplate.parse(format, { missingKey: "inspect" });
    } catch (err) {
      throw new StatusError(64, `template parsing error: ${(err as Error).message}`);
    }
  }
  let typedTemplate: GoTemplate | undefined;
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
    if (found.typed === undefined) {
      try {
        text += `${template.execute(found.value)}\n`;
      } catch (err) {
        errors.push(`template parsing error: ${(err as Error).message}`);
      }
      continue;
    }
    typedTemplate ??= template.withMissingKey("default");
    try {
      text += `${typedTemplate.execute(found.typed)}\n`;
      continue;
    } catch {
      // Go's tmpl.Option("missingkey=error") changes the template itself: later objects too
      typedTemplate = template.withMissingKey("error");
    }
    try {
      text += `${typedTemplate.execute(found.value)}\n`;
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
