// BuildKit's build checks (frontend/dockerfile/linter/ruleset.go), with its names, messages and
// URLs, evaluated on the unexpanded Dockerfile. Left out: UndefinedVar (needs the base image's
// env), CopyIgnoredFile and InvalidDefinitionDescription (experimental), InvalidBaseImagePlatform
// (needs the pulled image), DuplicateStageName (kapsel's parser rejects duplicates).

import { goQuote } from "./go-strings.ts";
import type { LintWarning } from "./lint.ts";
import { lex } from "./shell-lex.ts";
import { suggest } from "./suggest.ts";
import type { Dockerfile, FromInstruction, Instruction, Stage } from "./types.ts";

const url = (slug: string) => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;

/** ARGs BuildKit defines for every build (platform values here are placeholders). */
const BUILTIN_ARGS: Record<string, string> = {
  BUILDPLATFORM: "linux/amd64",
  BUILDOS: "linux",
  BUILDOSVERSION: "",
  BUILDARCH: "amd64",
  BUILDVARIANT: "",
  TARGETPLATFORM: "linux/amd64",
  TARGETOS: "linux",
  TARGETOSVERSION: "",
  TARGETARCH: "amd64",
  TARGETVARIANT: "",
  TARGETSTAGE: "default",
};

const SECRET = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const SECRET_ALLOWED = /(?:_|^)(?:public)(?:_|$)/i;

export function buildkitRules(df: Dockerfile): LintWarning[] {
  const out: LintWarning[] = [];
  const warn = (rule: string, slug: string, line: number, message: string) =>
    out.push({ rule, line, message, url: url(slug) });

  for (const w of df.warnings ?? [])
    warn("NoEmptyContinuation", "no-empty-continuation", w.line, "Empty continuation line");
  for (const a of df.metaArgs) secrets(a, warn);
  fromChecks(df, warn);
  casing(df, warn);

  for (const stage of df.stages) {
    const from = stage.from;
    if (from.alias !== undefined) {
      if (from.alias !== from.alias.toLowerCase()) {
        warn(
          "StageNameCasing",
          "stage-name-casing",
          from.line,
          `Stage name '${from.alias}' should be lowercase`,
        );
      }
      const kw = from.keyword ?? "FROM";
      const as = from.asKeyword ?? "AS";
      const fromLower = kw === kw.toLowerCase();
      const fromUpper = kw === kw.toUpperCase();
      if ((fromLower && as !== as.toLowerCase()) || (!fromLower && fromUpper && as !== as.toUpperCase())) {
        warn(
          "FromAsCasing",
          "from-as-casing",
          from.line,
          `'${as}' and '${kw}' keywords' casing do not match`,
        );
      }
      if (stage.name === "context" || stage.name === "scratch") {
        warn(
          "ReservedStageName",
          "reserved-stage-name",
          from.line,
          `Stage name should not use the same name as reserved stage ${goQuote(stage.name)}`,
        );
      }
    }
    let shell = inheritsShell(df, stage);
    let workdirSet = inheritsWorkdir(df, stage);
    const once = new Map<string, Instruction>();
    for (const i of stage.instructions) {
      const name = i.keyword ?? i.kind;
      switch (i.kind) {
        case "MAINTAINER":
          warn(
            "MaintainerDeprecated",
            "maintainer-deprecated",
            i.line,
            "Maintainer instruction is deprecated in favor of using label",
          );
          break;
        case "SHELL":
          shell = true;
          break;
        case "CMD":
        case "ENTRYPOINT":
        case "HEALTHCHECK": {
          // only the last one counts: the warning points at the one that is ignored
          const prev = once.get(i.kind);
          if (prev) {
            warn(
              "MultipleInstructionsDisallowed",
              "multiple-instructions-disallowed",
              prev.line,
              `Multiple ${name} instructions should not be used in the same stage because only the last one will be used`,
            );
          }
          once.set(i.kind, i);
          if (i.kind !== "HEALTHCHECK" && !i.json && !shell) {
            warn(
              "JSONArgsRecommended",
              "json-args-recommended",
              i.line,
              `JSON arguments recommended for ${name} to prevent unintended behavior related to OS signals`,
            );
          }
          break;
        }
        case "ENV":
        case "LABEL":
          if (i.legacy) {
            warn(
              "LegacyKeyValueFormat",
              "legacy-key-value-format",
              i.line,
              `"${name} key=value" should be used instead of legacy "${name} key value" format`,
            );
          }
          if (i.kind === "ENV") secrets(i, warn);
          break;
        case "ARG":
          secrets(i, warn);
          break;
        case "WORKDIR":
          // BuildKit checks the expanded path; a path starting with a variable is given the benefit
          if (!workdirSet && !i.path.startsWith("/") && !i.path.startsWith("$")) {
            warn(
              "WorkdirRelativePath",
              "workdir-relative-path",
              i.line,
              `Relative workdir ${goQuote(i.path)} can have unexpected results if the base image changes`,
            );
          }
          workdirSet = true;
          break;
        case "EXPOSE":
          for (const p of i.ports) expose(p, i.line, warn);
          break;
      }
    }
  }
  return out;
}

type Warn = (rule: string, slug: string, line: number, message: string) => void;

function secrets(i: Instruction, warn: Warn) {
  const keys =
    i.kind === "ARG" ? i.args.map((a) => a.name) : i.kind === "ENV" ? i.pairs.map((p) => p.key) : [];
  for (const key of keys) {
    if (SECRET.test(key) && !SECRET_ALLOWED.test(key)) {
      warn(
        "SecretsUsedInArgOrEnv",
        "secrets-used-in-arg-or-env",
        i.line,
        `Do not use ARG or ENV instructions for sensitive data (${i.kind} ${goQuote(key)})`,
      );
    }
  }
}

function expose(raw: string, line: number, warn: Warn) {
  if (raw.includes("$")) return; // known only after expansion
  const parts = raw.split(":");
  const container = parts[parts.length - 1];
  const slash = container.indexOf("/");
  const proto = slash < 0 ? "" : container.slice(slash + 1);
  if (proto !== proto.toLowerCase()) {
    warn(
      "ExposeProtoCasing",
      "expose-proto-casing",
      line,
      `Defined protocol '${raw}' in EXPOSE instruction should be lowercase`,
    );
  }
  if (parts.length > 1) {
    warn(
      "ExposeInvalidFormat",
      "expose-invalid-format",
      line,
      `EXPOSE instruction should not define an IP address or host-port mapping, found '${raw}'`,
    );
  }
}

/** UndefinedArgInFrom, RedundantTargetPlatform, FromPlatformFlagConstDisallowed, InvalidDefaultArgInFrom. */
function fromChecks(df: Dockerfile, warn: Warn) {
  const declared = new Set(Object.keys(BUILTIN_ARGS));
  const defaults = new Map(Object.entries(BUILTIN_ARGS));
  for (const a of df.metaArgs) {
    for (const arg of a.args) {
      declared.add(arg.name);
      if (arg.default !== undefined) {
        defaults.set(arg.name, tryLex(arg.default, (k) => defaults.get(k))?.result ?? arg.default);
      }
    }
  }
  const lookup = (k: string) => defaults.get(k);
  for (const stage of df.stages) {
    const from = stage.from;
    const image = tryLex(from.image, lookup);
    if (image) {
      undeclared(image.unmatched, declared, from, warn);
      if (!validReference(image.result) && from.image !== "scratch") {
        warn(
          "InvalidDefaultArgInFrom",
          "invalid-default-arg-in-from",
          from.line,
          `Default value for ARG ${from.image} results in empty or invalid base image name`,
        );
      }
    }
    if (from.platform === undefined) continue;
    const plat = tryLex(from.platform, lookup);
    if (!plat) continue;
    undeclared(plat.unmatched, declared, from, warn);
    if (plat.matched.size === 1 && plat.unmatched.size === 0 && plat.matched.has("TARGETPLATFORM")) {
      if (plat.result === BUILTIN_ARGS.TARGETPLATFORM) {
        warn(
          "RedundantTargetPlatform",
          "redundant-target-platform",
          from.line,
          `Setting platform to predefined ${from.platform} in FROM is redundant as this is the default behavior`,
        );
      }
    }
    if (plat.matched.size === 0 && plat.unmatched.size === 0) {
      const p = parsePlatform(plat.result);
      const name = stage.name ?? "";
      if (p && !name.includes(p.os) && !name.includes(p.arch)) {
        warn(
          "FromPlatformFlagConstDisallowed",
          "from-platform-flag-const-disallowed",
          from.line,
          `FROM --platform flag should not use constant value ${goQuote(plat.result)}`,
        );
      }
    }
  }
}

function undeclared(unmatched: Set<string>, declared: Set<string>, from: FromInstruction, warn: Warn) {
  for (const arg of unmatched) {
    if (declared.has(arg)) continue;
    const s = suggest(arg, [...declared], true);
    warn(
      "UndefinedArgInFrom",
      "undefined-arg-in-from",
      from.line,
      `FROM argument '${arg}' is not declared${s ? ` (did you mean ${s}?)` : ""}`,
    );
  }
}

/** ConsistentInstructionCasing: every instruction in the case most of them use. */
function casing(df: Dockerfile, warn: Warn) {
  const all: Instruction[] = df.stages.flatMap((s) => [s.from, ...s.instructions]);
  let lower = 0;
  let upper = 0;
  for (const i of all) {
    const k = i.keyword ?? i.kind;
    if (k === k.toLowerCase()) lower++;
    else if (k === k.toUpperCase()) upper++;
  }
  const majorityLower = lower > upper;
  for (const i of all) {
    const k = i.keyword ?? i.kind;
    let want = "";
    if (majorityLower && k !== k.toLowerCase()) want = "lowercase";
    else if (!majorityLower && k !== k.toUpperCase()) want = "uppercase";
    if (want) {
      warn(
        "ConsistentInstructionCasing",
        "consistent-instruction-casing",
        i.line,
        `Command '${k}' should match the case of the command majority (${want})`,
      );
    }
  }
}

/** The stage this one is built FROM, when FROM names an earlier stage. */
export function parentStage(df: Dockerfile, stage: Stage): Stage | undefined {
  const image = stage.from.image.toLowerCase();
  return df.stages.slice(0, stage.index).find((s) => s.name === image);
}

function inheritsShell(df: Dockerfile, stage: Stage): boolean {
  const p = parentStage(df, stage);
  return p !== undefined && (p.instructions.some((i) => i.kind === "SHELL") || inheritsShell(df, p));
}

function inheritsWorkdir(df: Dockerfile, stage: Stage): boolean {
  const p = parentStage(df, stage);
  return p !== undefined && (p.instructions.some((i) => i.kind === "WORKDIR") || inheritsWorkdir(df, p));
}

function tryLex(word: string, lookup: (k: string) => string | undefined) {
  try {
    return lex(word, lookup);
  } catch {
    return undefined;
  }
}

// distribution/reference's grammar, enough to tell a usable image name from a broken one
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN =
  "(?:localhost|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?";
const REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

function validReference(s: string): boolean {
  return s !== "" && !/^[a-f0-9]{64}$/.test(s) && REFERENCE.test(s);
}

const OSES = new Set([
  "linux",
  "windows",
  "darwin",
  "freebsd",
  "netbsd",
  "openbsd",
  "solaris",
  "illumos",
  "aix",
]);
const ARCHES = new Set([
  "amd64",
  "arm64",
  "arm",
  "386",
  "ppc64le",
  "s390x",
  "riscv64",
  "mips64le",
  "loong64",
]);

/** containerd's platforms.Parse, reduced to what the lint needs. */
function parsePlatform(s: string): { os: string; arch: string } | undefined {
  const parts = s.toLowerCase().split("/");
  if (parts.length === 1) {
    if (OSES.has(parts[0])) return { os: parts[0], arch: "amd64" };
    if (ARCHES.has(parts[0])) return { os: "linux", arch: parts[0] };
    return undefined;
  }
  if (parts.length > 3 || !OSES.has(parts[0]) || !ARCHES.has(parts[1])) return undefined;
  return { os: parts[0], arch: parts[1] };
}
