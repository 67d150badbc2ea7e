/**
 * A Go text/template, as docker's --format uses it: Go's builtins plus docker's functions
 * (json, split, join, title, lower, upper, pad, truncate), over JSON-like values.
 *
 *   GoTemplate.parse("{{.Name | upper}}").execute({ Name: "web" })  // "WEB"
 */
import { type ExecContext, execute, type MissingKey } from "./exec.ts";
import {
  BUILTIN_FUNCS,
  DOCKER_FUNCS,
  type FuncMap,
  type TemplateFunction,
  toTemplateFunction,
} from "./funcs.ts";
import { parseTemplate } from "./parser.ts";

export interface TemplateOptions {
  /** The template's name, shown in errors ("template: NAME:1:2: ..."); docker uses "". */
  name?: string;
  /** Extra functions, or replacements of the defaults. */
  funcs?: FuncMap;
  /** What a missing map key gives: "<no value>" (default), the zero value, or an error. */
  missingKey?: MissingKey;
}

export class GoTemplate {
  readonly #ctx: ExecContext;

  private constructor(ctx: ExecContext) {
    this.#ctx = ctx;
  }

  /** Parses text; throws TemplateError with Go's message (`template: :1: unexpected EOF`). */
  static parse(text: string, options: TemplateOptions = {}): GoTemplate {
    const funcs = new Map<string, TemplateFunction>(Object.entries({ ...BUILTIN_FUNCS, ...DOCKER_FUNCS }));
    for (const [name, f] of Object.entries(options.funcs ?? {})) funcs.set(name, toTemplateFunction(f));
    const name = options.name ?? "";
    const { trees } = parseTemplate(name, text, (fn) => funcs.has(fn));
    return new GoTemplate({
      parseName: name,
      text,
      trees,
      funcs,
      missingKey: options.missingKey ?? "default",
    });
  }

  /** A copy whose functions of the same names are replaced (Go's tmpl.Funcs after Parse). */
  withFuncs(funcs: FuncMap): GoTemplate {
    const merged = new Map(this.#ctx.funcs);
    for (const [name, f] of Object.entries(funcs)) merged.set(name, toTemplateFunction(f));
    return new GoTemplate({ ...this.#ctx, funcs: merged });
  }

  /** A copy with another missingkey option (Go's tmpl.Option("missingkey=error")). */
  withMissingKey(missingKey: MissingKey): GoTemplate {
    return new GoTemplate({ ...this.#ctx, missingKey });
  }

  /** Runs the template (or a {{define}}d one) over data; throws TemplateError. */
  execute(data: unknown, templateName: string = this.#ctx.parseName): string {
    return execute(this.#ctx, templateName, data);
  }
}
