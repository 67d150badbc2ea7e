// Variable expansion of instructions, as Docker applies it when a step runs.
//
// Which instructions and fields are expanded (moby 28's classic builder; BuildKit agrees):
//   FROM        image and --platform, with the global ARGs only (ARGs before the first FROM)
//   ENV, LABEL  keys and values (quotes and escapes removed here)
//   ARG         names and defaults
//   ADD, COPY   sources, destination, --chown, --chmod, ADD --checksum; COPY --from too (BuildKit
//               expands it with the global ARGs; the classic builder does not expand it at all);
//               heredoc bodies only when the delimiter is unquoted (`<<EOF`, not `<<"EOF"`), with
//               quotes kept (BuildKit's ExpandRaw: `\` escapes, quotes are plain characters)
//   EXPOSE      each word, then split into words (`EXPOSE $PORTS` with PORTS="80 443" → 2 ports)
//   USER, WORKDIR, STOPSIGNAL, VOLUME (each path)
//   not: RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK (the shell expands at run time), MAINTAINER,
//        ONBUILD (expanded when the trigger runs); RUN heredoc bodies (the shell does); RUN --mount
//        (the classic builder rejects RUN flags; BuildKit expands the mount values)
//
// Every field of one instruction sees the same variables: those set before the instruction. So
// `ENV a=1 b=$a` sets b from the previous a (or ""), not from 1.

import { invalid } from "../../../lib/errors.ts";
import { type EnvLookup, LexError, lex } from "./shell-lex.ts";
import type { CopyInstruction, Heredoc, Instruction } from "./types.ts";

export type { EnvLookup } from "./shell-lex.ts";

/** One word with variables expanded and quotes/escapes removed (Docker's ProcessWord). */
export function expandWord(word: string, lookup: EnvLookup, escapeToken = "\\"): string {
  return run(() => lex(word, lookup, { escape: escapeToken }).result);
}

/** Expansion then word splitting, quotes respected (Docker's ProcessWords, for EXPOSE). */
export function expandWords(word: string, lookup: EnvLookup, escapeToken = "\\"): string[] {
  return run(() => lex(word, lookup, { escape: escapeToken }).words);
}

/**
 * A copy of the instruction with Docker's expansion applied (see the file comment). Throws
 * KapselError "invalid" on bad syntax or `${x:?}` ('failed to process "${x:?}": x: is not allowed
 * to be unset').
 */
export function expandInstruction<T extends Instruction>(i: T, lookup: EnvLookup, escapeToken = "\\"): T {
  const w = (s: string) => expandWord(s, lookup, escapeToken);
  const opt = (s: string | undefined) => (s === undefined ? undefined : w(s));
  const x: Instruction = i;
  switch (x.kind) {
    case "FROM":
      return { ...x, image: w(x.image), platform: opt(x.platform) } as T;
    case "ENV":
    case "LABEL":
      return { ...x, pairs: x.pairs.map((p) => ({ key: w(p.key), value: w(p.value) })) } as T;
    case "ARG":
      return { ...x, args: x.args.map((a) => ({ name: w(a.name), default: opt(a.default) })) } as T;
    case "ADD":
    case "COPY":
      return expandCopy(x, w, lookup) as T;
    case "EXPOSE":
      return { ...x, ports: x.ports.flatMap((p) => expandWords(p, lookup, escapeToken)) } as T;
    case "USER":
      return { ...x, user: w(x.user) } as T;
    case "WORKDIR":
      return { ...x, path: w(x.path) } as T;
    case "STOPSIGNAL":
      return { ...x, signal: w(x.signal) } as T;
    case "VOLUME":
      return { ...x, paths: x.paths.map(w) } as T;
    default:
      return i;
  }
}

/** `["K=V", ...]` (an image config's Env) as a lookup; a later entry wins over an earlier one. */
export function envListLookup(env: readonly string[]): EnvLookup {
  const m = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf("=");
    if (eq < 0) m.set(e, "");
    else m.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return (name) => m.get(name);
}

function expandCopy(c: CopyInstruction, w: (s: string) => string, lookup: EnvLookup): CopyInstruction {
  const out: CopyInstruction = {
    ...c,
    sources: c.sources.map(w),
    dest: w(c.dest),
    heredocs: c.heredocs.map((h) => expandHeredoc(h, lookup)),
    flags: { ...c.flags },
  };
  for (const f of ["from", "chown", "chmod", "checksum"] as const) {
    const v = c[f];
    if (v === undefined) continue;
    out[f] = w(v);
    out.flags[f] = out[f];
  }
  return out;
}

function expandHeredoc(h: Heredoc, lookup: EnvLookup): Heredoc {
  if (h.quoted) return h;
  return { ...h, content: run(() => lex(h.content, lookup, { skipProcessQuotes: true }).result) };
}

function run<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LexError) throw invalid(e.message, e);
    throw e;
  }
}
