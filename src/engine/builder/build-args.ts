/**
 * Build arguments with the classic builder's rules (moby daemon/builder/dockerfile/buildargs.go):
 * an ARG makes a name usable in the stage that declares it; --build-arg overrides its default;
 * an ARG without a default takes the value of the ARG of the same name before the first FROM;
 * the proxy variables are usable without an ARG and are left out of the image's history unless
 * the Dockerfile declares them. Args reach RUN's environment but are not kept in the image.
 */

/** Usable without an ARG; left out of history and of the "not consumed" warning. */
export const BUILTIN_ARGS: ReadonlySet<string> = new Set([
  "HTTP_PROXY",
  "http_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "FTP_PROXY",
  "ftp_proxy",
  "NO_PROXY",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
]);

/** kapsel's own predefined arg: it sets the build's timestamps (see reproducible.ts). */
export const SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH";

export class BuildArgs {
  /** --build-arg values (null: named but unset) */
  readonly fromOptions: ReadonlyMap<string, string | null>;
  /** declared in the current stage: name → default (undefined: none) */
  #allowed = new Map<string, string | undefined>();
  /** declared before the first FROM */
  #meta = new Map<string, string | undefined>();
  /** every name some ARG declared, in any stage (for the "not consumed" warning) */
  readonly referenced: Set<string>;

  constructor(fromOptions: Record<string, string | null>, referenced = new Set<string>()) {
    this.fromOptions = new Map(Object.entries(fromOptions));
    this.referenced = referenced;
  }

  /** A copy for a new stage: the meta args stay, the stage's own are reset (Docker's ResetAllowed). */
  forStage(): BuildArgs {
    const next = new BuildArgs({}, this.referenced);
    (next as { fromOptions: ReadonlyMap<string, string | null> }).fromOptions = this.fromOptions;
    next.#meta = new Map(this.#meta);
    return next;
  }

  addArg(name: string, value: string | undefined): void {
    this.#allowed.set(name, value);
    this.referenced.add(name);
  }

  addMetaArg(name: string, value: string | undefined): void {
    this.#meta.set(name, value);
  }

  /** The value an arg has: --build-arg, else its default, else the meta arg's. */
  #value(name: string, source: Map<string, string | undefined>): string | undefined {
    const given = this.fromOptions.get(name);
    if (given !== undefined && given !== null) return given;
    const dflt = source.get(name);
    if (dflt === undefined) return this.#meta.get(name);
    return dflt;
  }

  #all(source: Map<string, string | undefined>): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of new Set([...source.keys(), ...BUILTIN_ARGS])) {
      const v = this.#value(name, source);
      if (v !== undefined) out.set(name, v);
    }
    return out;
  }

  /** The args usable in this stage, with their values (GetAllAllowed). */
  allowed(): Map<string, string> {
    return this.#all(this.#allowed);
  }

  /** The args usable in FROM lines (GetAllMeta). */
  meta(): Map<string, string> {
    return this.#all(this.#meta);
  }

  /** `NAME=value` for each usable arg that the environment does not set (FilterAllowed). */
  filterAllowed(env: readonly string[]): string[] {
    const set = new Set(env.map((e) => e.split("=", 1)[0]));
    const out: string[] = [];
    for (const [k, v] of this.allowed()) if (!set.has(k)) out.push(`${k}=${v}`);
    return out;
  }

  /** Whether an arg shows in history: declared here, or not a builtin (IsReferencedOrNotBuiltin). */
  isReferencedOrNotBuiltin(name: string): boolean {
    return this.#allowed.has(name) || !BUILTIN_ARGS.has(name);
  }

  /** Names given with --build-arg that no ARG declared (Docker's warning lists them sorted). */
  unused(): string[] {
    return [...this.fromOptions.keys()]
      .filter((k) => !this.referenced.has(k) && !BUILTIN_ARGS.has(k) && k !== SOURCE_DATE_EPOCH)
      .sort();
  }
}

/**
 * The command a RUN step records in history and the cache (moby's prependEnvOnCmd): with args
 * in effect, `|<n> A=1 B=2 <cmd...>` (sorted, builtins left out unless declared), else the command.
 */
export function runCommandForHistory(args: BuildArgs, argEnv: readonly string[], cmd: string[]): string[] {
  if (argEnv.length === 0) return cmd;
  const kept = argEnv.filter((e) => args.isReferencedOrNotBuiltin(e.split("=", 1)[0])).sort();
  return [`|${kept.length}`, ...kept, ...cmd];
}
