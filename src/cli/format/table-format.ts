/**
 * Docker's --format handling for list commands (docker/cli cli/command/formatter): a format is
 * "table" plus a template (a header row and aligned columns), "json" (one JSON object per line),
 * or a bare template (one line per row). The header row is the same template run over a map
 * from field names to column titles, with docker's header functions.
 */
import { tabwrite } from "./tabwriter.ts";
import { type FuncMap, HEADER_FUNCS } from "./template/funcs.ts";
import { GoTemplate } from "./template/go-template.ts";
import { TemplateError } from "./template/template-error.ts";

/** docker's Format.IsTable: the format starts with "table". */
export function isTableFormat(format: string): boolean {
  return format.startsWith("table");
}

/**
 * The template text of a format (docker's preFormat): strips "table", turns "json" into
 * `{{json .}}`, trims spaces (only spaces) and expands the two-character `\t` and `\n`.
 */
export function formatTemplateText(format: string): string {
  let f = format;
  if (isTableFormat(f)) f = f.slice("table".length);
  else if (f === "json") f = "{{json .}}";
  f = f.replace(/^ +| +$/g, "");
  return f.replaceAll("\\t", "\t").replaceAll("\\n", "\n");
}

/**
 * The format a list command uses (docker's New<Object>Format): "" and "table" mean the command's
 * default table; --quiet prints only the quiet format ("{{.ID}}") whatever the format.
 */
export function listFormat(
  format: string,
  o: { defaultTable: string; quiet?: boolean; quietFormat?: string },
): string {
  if (o.quiet) return o.quietFormat ?? "{{.ID}}";
  return format === "" || format === "table" ? o.defaultTable : format;
}

/** Column titles by field name, e.g. { ID: "CONTAINER ID", Names: "NAMES" }. */
export type HeaderMap = Record<string, string>;

/**
 * The value a table header is rendered from: the titles, plus docker's `Label` method so that
 * `{{.Label "com.example.x"}}` titles its column "x" (last dotted part, '-' and '_' as spaces).
 */
export function headerContext(header: HeaderMap): Record<string, unknown> {
  return {
    ...header,
    Label: (name: string) => String(name).split(".").pop()!.replaceAll("-", " ").replaceAll("_", " "),
  };
}

export interface FormatRowsOptions {
  /** Column titles for table formats. */
  header?: HeaderMap;
  /** Extra template functions. */
  funcs?: FuncMap;
}

function templateParsingError(err: unknown): never {
  if (err instanceof TemplateError) throw new TemplateError(`template parsing error: ${err.message}`);
  throw err;
}

/**
 * Renders rows as docker's formatter.Context.Write does: each row through the template, one
 * line each; for a table, the header row first and all of it aligned by DOCKER_TABLE_WRITER.
 * Throws TemplateError("template parsing error: ...") on a bad template or a failing row.
 */
export function formatRows(
  format: string,
  rows: readonly unknown[],
  options: FormatRowsOptions = {},
): string {
  let tmpl: GoTemplate;
  try {
    tmpl = GoTemplate.parse(formatTemplateText(format), { funcs: options.funcs });
  } catch (err) {
    templateParsingError(err);
  }
  let body = "";
  for (const row of rows) {
    try {
      body += `${tmpl.execute(row)}\n`;
    } catch (err) {
      templateParsingError(err);
    }
  }
  if (!isTableFormat(format)) return body;
  let header = "";
  try {
    header = tmpl.withFuncs(HEADER_FUNCS).execute(headerContext(options.header ?? {}));
  } catch {
    // docker ignores a header that fails to render (its rows rendered fine)
  }
  return tabwrite(`${header}\n${body}`);
}
