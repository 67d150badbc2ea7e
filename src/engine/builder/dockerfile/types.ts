// The contract between the Dockerfile parser (src/engine/builder/dockerfile/) and the build
// executor (src/engine/builder/): the typed instructions of one Dockerfile. Fields marked
// "(added)" came after the first draft (/work/notes/dockerfile-ast.ts); they are optional so that
// hand-made instructions (executor tests) still type-check, but the parser always fills them.

/** One parsed Dockerfile. Parsing never expands variables: the executor expands per step. */
export interface Dockerfile {
  /** parser directive `# escape=` (default "\\") */
  escape: "\\" | "`";
  /** parser directive `# syntax=` if present (kapsel ignores it beyond reporting) */
  syntax?: string;
  /** parser directive `# check=` raw value (e.g. "skip=JSONArgsRecommended;error=true") */
  check?: string;
  /**
   * (added) what the classic builder prints on stderr before the steps, one entry per
   * instruction with empty continuation lines. Print each as `[WARNING]: ${message}`, then once
   * `[WARNING]: Empty continuation lines will become errors in a future release.`
   */
  warnings?: ParseWarning[];
  /** ARG instructions before the first FROM (global scope, usable in FROM lines) */
  metaArgs: ArgInstruction[];
  stages: Stage[];
}

/** (added) */
export interface ParseWarning {
  /** last line of the instruction */
  line: number;
  /** e.g. "Empty continuation line found in: RUN apt-get update &&     apt-get install x" */
  message: string;
}

export interface Stage {
  /** 0-based position in the file */
  index: number;
  /** `FROM x AS name`, lower-cased as Docker does; undefined without AS */
  name?: string;
  from: FromInstruction;
  /** everything after this FROM up to the next FROM */
  instructions: Instruction[];
}

/** What every instruction has. */
export interface InstructionBase {
  /** 1-based line of the instruction's first line */
  line: number;
  /** 1-based last line (continuations and heredocs included) */
  endLine: number;
  /**
   * Docker's `node.Original`: the instruction as written, continuation lines joined (what the
   * classic builder prints in `Step 2/7 : COPY a /b` and stores in history `#(nop) ...`).
   * Trimmed; comment lines inside the continuation dropped; heredoc bodies not included.
   */
  original: string;
  /**
   * --flag=value options given before the arguments (`--from`, `--chown`, ...), unexpanded, keyed
   * without the dashes. Boolean flags hold "true"/"false" (`--link` alone is "true"); a repeatable
   * flag (--mount, --exclude, --device) holds its last value here and all of them in flagValues.
   * Only flags the instruction accepts get here: others are parse errors, as in Docker (which
   * ignores the flags of STOPSIGNAL, ARG and HEALTHCHECK NONE: they are left out).
   */
  flags: Record<string, string>;
  /** (added) every value of every flag, in order (`--mount=a --mount=b` → { mount: ["a", "b"] }) */
  flagValues?: Record<string, string[]>;
  /** (added) the instruction's name as written ("FROM", "from", "Run"), for messages and lint */
  keyword?: string;
}

export interface Heredoc {
  /** the word after << (EOF) */
  name: string;
  /** the body, unexpanded; expand only when the delimiter was not quoted */
  content: string;
  /** <<- strips leading tabs (already applied to content) */
  chomp: boolean;
  /** `<<"EOF"` or `<<'EOF'`: no expansion */
  quoted: boolean;
  /** (added) `3<<EOF`: the file descriptor the shell should feed (0 when not given) */
  fd?: number;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | EnvInstruction
  | LabelInstruction
  | ArgInstruction
  | CopyInstruction
  | ExposeInstruction
  | VolumeInstruction
  | UserInstruction
  | WorkdirInstruction
  | StopsignalInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | MaintainerInstruction;

export interface FromInstruction extends InstructionBase {
  kind: "FROM";
  /** image reference, stage name or "scratch", unexpanded (may hold ${ARG}) */
  image: string;
  /** AS name as written */
  alias?: string;
  /** (added) the AS keyword as written ("AS", "as"), for the FromAsCasing lint */
  asKeyword?: string;
  /** --platform, unexpanded */
  platform?: string;
}

/** RUN, CMD, ENTRYPOINT: exec form (JSON array) or shell form. */
export interface CommandForm {
  /** true for the JSON exec form */
  json: boolean;
  /**
   * exec form: the array; shell form: one element, the command text (continuations joined, flags
   * removed). Empty for a bare `CMD`/`ENTRYPOINT` or `CMD []`.
   */
  args: string[];
  /**
   * heredocs that follow the line, shell form only. BuildKit's rule for RUN: when args[0] is just
   * the heredoc word (`RUN <<EOF`), the body is the script (run as a file when it starts with
   * `#!`); otherwise (`RUN python3 <<EOF`) the shell gets args[0] + "\n" + body + name, and
   * does the redirection itself. RUN bodies are never expanded by the builder (the shell does).
   */
  heredocs: Heredoc[];
}

export interface RunInstruction extends InstructionBase, CommandForm {
  kind: "RUN";
}
export interface CmdInstruction extends InstructionBase, CommandForm {
  kind: "CMD";
}
export interface EntrypointInstruction extends InstructionBase, CommandForm {
  kind: "ENTRYPOINT";
}
export interface ShellInstruction extends InstructionBase {
  kind: "SHELL";
  /** must be a JSON array (parse error otherwise) */
  shell: string[];
}

export interface KeyValue {
  key: string;
  /** unexpanded; quotes and escapes are removed by expansion, as Docker's ProcessWord does */
  value: string;
}

export interface EnvInstruction extends InstructionBase {
  kind: "ENV";
  /** both forms: `ENV a b c` (legacy, one pair, value "b c") and `ENV a=1 b="x y"` */
  pairs: KeyValue[];
  /** (added) written in the legacy `ENV key value` form */
  legacy?: boolean;
}
export interface LabelInstruction extends InstructionBase {
  kind: "LABEL";
  pairs: KeyValue[];
  /** (added) written in the legacy `LABEL key value` form */
  legacy?: boolean;
}
export interface ArgInstruction extends InstructionBase {
  kind: "ARG";
  /** `ARG a b=2`: several are allowed */
  args: Array<{ name: string; default?: string }>;
}

/** COPY and ADD share a shape. */
export interface CopyInstruction extends InstructionBase {
  kind: "COPY" | "ADD";
  /**
   * unexpanded; the executor expands (wildcards are matched against the context after that).
   * Heredoc words (`<<EOF`) are not here: they are in `heredocs`.
   */
  sources: string[];
  dest: string;
  /** `COPY <<EOF /dest`: inline files named by the heredoc's name */
  heredocs: Heredoc[];
  /** also in flags; pulled out for convenience, unexpanded */
  from?: string;
  chown?: string;
  chmod?: string;
  /** ADD --checksum=sha256:... */
  checksum?: string;
  /** (added) --link */
  link?: boolean;
  /** (added) --exclude patterns, in order */
  excludes?: string[];
  /** (added) COPY --parents (BuildKit labs; moby 28's classic parser rejects it) */
  parents?: boolean;
  /** (added) ADD --keep-git-dir / --unpack when given */
  keepGitDir?: boolean;
  unpack?: boolean;
}

export interface ExposeInstruction extends InstructionBase {
  kind: "EXPOSE";
  /** as written, sorted (Docker sorts them); expansion may split one into several */
  ports: string[];
}
export interface VolumeInstruction extends InstructionBase {
  kind: "VOLUME";
  /** JSON array or space-separated words */
  paths: string[];
}
export interface UserInstruction extends InstructionBase {
  kind: "USER";
  user: string;
}
export interface WorkdirInstruction extends InstructionBase {
  kind: "WORKDIR";
  path: string;
}
export interface StopsignalInstruction extends InstructionBase {
  kind: "STOPSIGNAL";
  signal: string;
}
export interface HealthcheckInstruction extends InstructionBase {
  kind: "HEALTHCHECK";
  /** HEALTHCHECK NONE → test ["NONE"]; CMD form → ["CMD", ...] or ["CMD-SHELL", "cmd"] */
  test: string[];
  /** nanoseconds, as in the image config; absent when not given */
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}
export interface OnbuildInstruction extends InstructionBase {
  kind: "ONBUILD";
  /**
   * the trigger as written after ONBUILD ("RUN echo hi"): stored in the image's OnBuild list.
   * A trigger with heredocs carries them as Docker does: "\n" + body + name for each.
   */
  expression: string;
}
export interface MaintainerInstruction extends InstructionBase {
  kind: "MAINTAINER";
  maintainer: string;
}
