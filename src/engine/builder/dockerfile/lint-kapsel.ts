// kapsel's own build checks, for habits BuildKit does not flag: unpinned base images, apt-get
// misuse that bloats or stales layers, ADD where COPY says what is meant, running as root.

import type { LintWarning } from "./lint.ts";
import { parentStage } from "./lint-buildkit.ts";
import { lex } from "./shell-lex.ts";
import type { CopyInstruction, Dockerfile, Instruction, RunInstruction, Stage } from "./types.ts";

const APT_UPDATE = /\bapt(?:-get)?\s+(?:-\S+\s+)*update\b/;
const APT_INSTALL = /\bapt(?:-get)?\s+(?:-\S+\s+)*install\b/;
const APT_USES_LISTS =
  /\bapt(?:-get)?\s+(?:-\S+\s+)*(?:install|upgrade|dist-upgrade|full-upgrade|build-dep)\b/;
const APT_LISTS_REMOVED = /\brm\s+(?:-\S+\s+)*(?:\S+\s+)*\/?var\/lib\/apt\/lists\b/;
const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;
const ARCHIVE = /\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|tar\.lz4|gz|bz2|xz|zst)$/i;

export function kapselRules(df: Dockerfile): LintWarning[] {
  const out: LintWarning[] = [];
  const warn = (rule: string, line: number, message: string) => out.push({ rule, line, message });
  const lookup = globalArgDefaults(df);

  for (const stage of df.stages) {
    fromLatest(df, stage, lookup, warn);
    for (const i of stage.instructions) {
      if (i.kind === "RUN") apt(i, warn);
      if (i.kind === "ADD") addWhereCopyFits(i, warn);
    }
  }
  const last = df.stages[df.stages.length - 1];
  if (last) noUserRoot(df, last, warn);
  return out;
}

type Warn = (rule: string, line: number, message: string) => void;

function fromLatest(df: Dockerfile, stage: Stage, lookup: (k: string) => string | undefined, warn: Warn) {
  let image = stage.from.image;
  try {
    image = lex(image, lookup).result;
  } catch {
    return;
  }
  if (image === "" || image.toLowerCase() === "scratch" || parentStage(df, stage)) return;
  if (image.includes("@")) return; // pinned by digest
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastPart.indexOf(":");
  if (colon < 0) {
    warn(
      "FromLatestTag",
      stage.from.line,
      `Base image '${image}' has no tag, so it means ':latest'; pin a version for repeatable builds`,
    );
  } else if (lastPart.slice(colon + 1) === "latest") {
    warn(
      "FromLatestTag",
      stage.from.line,
      `Base image '${image}' uses ':latest'; pin a version for repeatable builds`,
    );
  }
}

/** The script a RUN runs: its command and heredoc bodies. */
function script(i: RunInstruction): string {
  return [i.args.join(" "), ...i.heredocs.map((h) => h.content)].join("\n");
}

function apt(i: RunInstruction, warn: Warn) {
  const s = script(i);
  const install = APT_INSTALL.test(s);
  if (APT_UPDATE.test(s) && !APT_USES_LISTS.test(s)) {
    warn(
      "AptUpdateAlone",
      i.line,
      "'apt-get update' in a RUN of its own: the cached layer keeps old package lists for later installs; run it in the same RUN as 'apt-get install'",
    );
  }
  const cached = (i.flagValues?.mount ?? []).some((m) => m.includes("/var/lib/apt"));
  if (install && !cached && !APT_LISTS_REMOVED.test(s)) {
    warn(
      "AptListsNotCleaned",
      i.line,
      "'apt-get install' without 'rm -rf /var/lib/apt/lists/*' in the same RUN leaves the package lists in the layer",
    );
  }
}

function addWhereCopyFits(i: CopyInstruction, warn: Warn) {
  if (i.checksum !== undefined || i.keepGitDir !== undefined || i.unpack !== undefined) return;
  if (i.sources.some((s) => s.includes("$") || REMOTE.test(s) || ARCHIVE.test(s))) return;
  warn(
    "AddWhereCopyFits",
    i.line,
    "ADD of local files: use COPY, which only copies (ADD also fetches URLs and unpacks archives)",
  );
}

function noUserRoot(df: Dockerfile, stage: Stage, warn: Warn) {
  const user = lastUser(df, stage);
  if (user === undefined) {
    warn(
      "NoUserRoot",
      stage.from.line,
      "The final stage sets no USER: containers run as root unless the base image sets a user",
    );
  } else if (isRoot(user.user)) {
    warn("NoUserRoot", user.line, "The final stage's last USER is root: containers run as root");
  }
}

function lastUser(df: Dockerfile, stage: Stage): (Instruction & { kind: "USER" }) | undefined {
  for (let k = stage.instructions.length - 1; k >= 0; k--) {
    const i = stage.instructions[k];
    if (i.kind === "USER") return i;
  }
  const p = parentStage(df, stage);
  return p ? lastUser(df, p) : undefined;
}

function isRoot(user: string): boolean {
  const name = user.split(":")[0];
  return name === "root" || name === "0";
}

function globalArgDefaults(df: Dockerfile): (k: string) => string | undefined {
  const m = new Map<string, string>();
  for (const a of df.metaArgs)
    for (const arg of a.args) if (arg.default !== undefined) m.set(arg.name, arg.default);
  return (k) => m.get(k);
}
