import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { type Readable, Writable } from "node:stream";
import { createGzip } from "node:zlib";
import type { BuildOptions, EngineClient } from "../client/index.ts";
import { parseNormalizedNamed } from "../client/reference.ts";
import { memorySwapBytes } from "../lib/byte-size.ts";
import { allStoredAuths } from "./build-auth.ts";
import {
  dockerfileRelPath,
  type ExtraDockerfile,
  isLocalPath,
  packContext,
  randomDockerfileName,
  readDockerignore,
  resolveContextDir,
  trimBuildFilesFromExcludes,
  walkContext,
} from "./build-context.ts";
import { displayBuild, uploadProgress } from "./build-output.ts";
import { contextFromStdin } from "./build-stdin.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, int, list, str } from "./command.ts";
import { kvStringsToMap, kvStringsToMapWithNil, validateEnv, validateLabel } from "./flags/key-value.ts";
import { errnoText, goPathError } from "./go-path-error.ts";
import { parseUlimit } from "./mount-spec.ts";
import { StatusError } from "./status-error.ts";
import type { Stdio } from "./stdio.ts";

/**
 * `docker build` on the classic builder (docker/cli cli/command/image/build.go): a context from
 * a directory (.dockerignore applied here), from stdin (a tar, or a bare Dockerfile), a
 * Dockerfile from -f (outside the context, or "-" for stdin), sent to POST /build as it is
 * read; the daemon's messages shown as they come. kapsel adds --check (lint only) and passes
 * SOURCE_DATE_EPOCH from the environment as a build argument.
 */

const STRINGS = "strings";

export const buildFlags: FlagSpec[] = [
  {
    name: "tag",
    short: "t",
    type: "list",
    description: 'Name and optionally a tag in the "name:tag" format',
    validate: (v) => {
      parseNormalizedNamed(v);
      return v;
    },
  },
  {
    name: "build-arg",
    type: "list",
    description: "Set build-time variables",
    validate: (v) => validateEnv(v),
  },
  {
    name: "ulimit",
    type: "list",
    typeName: "ulimit",
    description: "Ulimit options",
    defaultText: "[]",
    validate: (v) => parseUlimit(v) && v,
  },
  {
    name: "file",
    short: "f",
    type: "string",
    description: 'Name of the Dockerfile (Default is "PATH/Dockerfile")',
  },
  { name: "memory", short: "m", type: "bytes", description: "Memory limit" },
  {
    name: "memory-swap",
    type: "string",
    typeName: "bytes",
    description: "Swap limit equal to memory plus swap: -1 to enable unlimited swap",
    validate: (v) => String(memorySwapBytes(v)),
  },
  { name: "shm-size", type: "bytes", description: 'Size of "/dev/shm"' },
  { name: "cpu-shares", short: "c", type: "int", description: "CPU shares (relative weight)" },
  { name: "cpu-period", type: "int", description: "Limit the CPU CFS (Completely Fair Scheduler) period" },
  { name: "cpu-quota", type: "int", description: "Limit the CPU CFS (Completely Fair Scheduler) quota" },
  { name: "cpuset-cpus", type: "string", description: "CPUs in which to allow execution (0-3, 0,1)" },
  { name: "cpuset-mems", type: "string", description: "MEMs in which to allow execution (0-3, 0,1)" },
  {
    name: "cgroup-parent",
    type: "string",
    description: 'Set the parent cgroup for the "RUN" instructions during build',
  },
  { name: "isolation", type: "string", description: "Container isolation technology" },
  { name: "label", type: "list", description: "Set metadata for an image", validate: validateLabel },
  { name: "no-cache", type: "bool", description: "Do not use cache when building the image" },
  {
    name: "rm",
    type: "bool",
    default: true,
    description: "Remove intermediate containers after a successful build",
  },
  { name: "force-rm", type: "bool", description: "Always remove intermediate containers" },
  {
    name: "quiet",
    short: "q",
    type: "bool",
    description: "Suppress the build output and print image ID on success",
  },
  { name: "pull", type: "bool", description: "Always attempt to pull a newer version of the image" },
  { name: "cache-from", type: "list", typeName: STRINGS, description: "Images to consider as cache sources" },
  { name: "compress", type: "bool", description: "Compress the build context using gzip" },
  { name: "security-opt", type: "list", typeName: STRINGS, description: "Security options" },
  {
    name: "network",
    type: "string",
    default: "default",
    description: "Set the networking mode for the RUN instructions during build",
  },
  {
    name: "add-host",
    type: "list",
    description: 'Add a custom host-to-IP mapping ("host:ip")',
    validate: validateExtraHost,
  },
  { name: "target", type: "string", description: "Set the target build stage to build." },
  { name: "iidfile", type: "string", description: "Write the image ID to the file" },
  { name: "disable-content-trust", type: "bool", default: true, description: "Skip image verification" },
  { name: "platform", type: "string", description: "Set platform if server is multi-platform capable" },
  // experimental in docker: hidden unless the daemon runs with experimental features
  {
    name: "squash",
    type: "bool",
    description: "Squash newly built layers into a single new layer",
    hidden: true,
  },
  {
    name: "check",
    type: "bool",
    description: "Check the Dockerfile for problems and print them, without building (kapsel)",
  },
];

/** opts.ValidateExtraHost: "host:ip" or "host=ip" (IPv6 may be bracketed); sent as "host:ip". */
export function validateExtraHost(value: string): string {
  let sep = value.indexOf("=");
  if (sep < 0) sep = value.indexOf(":");
  const host = sep < 0 ? "" : value.slice(0, sep);
  let ip = sep < 0 ? "" : value.slice(sep + 1);
  if (sep < 0 || host === "" || host.includes(":")) throw new Error(`bad format for add-host: "${value}"`);
  if (ip !== "host-gateway") {
    if (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
    if (!isIpAddress(ip)) throw new Error(`invalid IP address in add-host: "${ip}"`);
  }
  return `${host}:${ip}`;
}

function isIpAddress(s: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255 && !/^0\d/.test(o));
  return s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s) && (s.match(/::/g)?.length ?? 0) <= 1;
}

export interface BuildCliOptions {
  context: string;
  dockerfileName: string;
  quiet: boolean;
  iidfile: string;
  compress: boolean;
  api: BuildOptions;
}

/** pflag's StringSlice: repeatable and comma-separated. */
const slice = (flags: ParsedArgs, name: string) =>
  list(flags, name)
    .flatMap((v) => v.split(","))
    .filter((v) => v !== "");

/** The flags as build options (the only place they are read). */
export function toBuildOptions(flags: ParsedArgs, env: Record<string, string | undefined>): BuildCliOptions {
  const buildArgs = kvStringsToMapWithNil(list(flags, "build-arg"));
  // reproducible builds: the environment's SOURCE_DATE_EPOCH reaches the Dockerfile, unless given
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== "" && !Object.hasOwn(buildArgs, "SOURCE_DATE_EPOCH"))
    buildArgs.SOURCE_DATE_EPOCH = epoch;
  // by name, the last one winning (docker's UlimitOpt map); Go's field order: Name, Hard, Soft
  const ulimits = new Map(
    list(flags, "ulimit").map((u) => {
      const { Name, Hard, Soft } = parseUlimit(u);
      return [Name, { Name, Hard, Soft }];
    }),
  );
  const platform = flags.changed.has("platform")
    ? str(flags, "platform")
    : (env.DOCKER_DEFAULT_PLATFORM ?? "");
  return {
    context: flags.args[0],
    dockerfileName: str(flags, "file"),
    quiet: bool(flags, "quiet"),
    iidfile: str(flags, "iidfile"),
    compress: bool(flags, "compress"),
    api: {
      tags: list(flags, "tag"),
      buildArgs,
      labels: kvStringsToMap(list(flags, "label")),
      target: str(flags, "target"),
      noCache: bool(flags, "no-cache"),
      pull: bool(flags, "pull"),
      quiet: bool(flags, "quiet"),
      remove: bool(flags, "rm"),
      forceRemove: bool(flags, "force-rm"),
      networkMode: str(flags, "network"),
      extraHosts: list(flags, "add-host"),
      shmSize: Number(flags.flags["shm-size"] ?? 0),
      ulimits: [...ulimits.values()],
      platform,
      memory: Number(flags.flags.memory ?? 0),
      memorySwap: flags.changed.has("memory-swap") ? Number(str(flags, "memory-swap")) : 0,
      cpuShares: int(flags, "cpu-shares"),
      cpuPeriod: int(flags, "cpu-period"),
      cpuQuota: int(flags, "cpu-quota"),
      cpuSetCpus: str(flags, "cpuset-cpus"),
      cpuSetMems: str(flags, "cpuset-mems"),
      cgroupParent: str(flags, "cgroup-parent"),
      isolation: str(flags, "isolation"),
      cacheFrom: slice(flags, "cache-from"),
      securityOpt: slice(flags, "security-opt"),
      squash: bool(flags, "squash"),
      check: bool(flags, "check"),
      // the daemon sends the checks' warnings only to a client that asks (Docker's classic
      // builder has none): kapsel shows them after the transcript, as BuildKit does, unless -q
      warnings: !bool(flags, "quiet"),
    },
  };
}

/** A remote context: Docker's urlutil IsGitURL / IsURL. */
function isRemoteContext(c: string): boolean {
  return /^(https?:\/\/|git:\/\/|git@|github\.com\/)/.test(c);
}

/** The request body and the Dockerfile's name in it. */
async function prepareContext(
  o: BuildCliOptions,
  stdio: Stdio,
): Promise<{ body: Readable; dockerfile: string }> {
  const fromStdin = o.dockerfileName === "-";
  if (fromStdin && o.context === "-")
    throw new Error("invalid argument: can't use stdin for both build context and dockerfile");
  if (o.context === "-") {
    try {
      return await contextFromStdin(stdio.stdin, o.dockerfileName);
    } catch (err) {
      throw new Error(`unable to prepare context: ${(err as Error).message}`);
    }
  }
  if (!isLocalPath(o.context)) {
    if (isRemoteContext(o.context))
      throw new Error(
        `unable to prepare context: remote build contexts are not supported by kapsel: ${o.context}`,
      );
    throw new Error(`unable to prepare context: path "${o.context}" not found`);
  }
  let contextDir: string;
  let relDockerfile: string;
  try {
    contextDir = resolveContextDir(o.context);
    relDockerfile = dockerfileRelPath(contextDir, o.dockerfileName);
  } catch (err) {
    throw new Error(`unable to prepare context: ${(err as Error).message}`);
  }
  let extra: ExtraDockerfile | undefined;
  if (fromStdin) extra = { content: await readAll(stdio.stdin), name: randomDockerfileName() };
  else if (relDockerfile.startsWith("../")) {
    // outside the context: sent inside it, under a random name
    let content: Buffer;
    try {
      content = readFileSync(o.dockerfileName);
    } catch (err) {
      throw new Error(`unable to open Dockerfile: open ${o.dockerfileName}: ${errnoText(err)}`);
    }
    extra = { content, name: randomDockerfileName() };
  }
  const excludes = trimBuildFilesFromExcludes(readDockerignore(contextDir), relDockerfile, fromStdin);
  const entries = await walkContext(contextDir, excludes);
  return { body: packContext(entries, extra), dockerfile: extra ? extra.name : relDockerfile };
}

async function readAll(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** Collects what is written to it (docker's bytes.Buffer for -q). */
class TextBuffer extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** Runs one build as docker's runBuild does; throws docker's errors (StatusError with the build's code). */
export async function runBuild(client: EngineClient, o: BuildCliOptions, stdio: Stdio): Promise<void> {
  const isTerminal = stdio.stdout.isTTY === true;
  // -q: the upload and the build's messages are kept, and shown (on stderr) only on failure
  const progress = o.quiet ? new TextBuffer() : stdio.stdout;
  const output = o.quiet ? new TextBuffer() : stdio.stdout;
  const replay = () => {
    if (o.quiet) stdio.stderr.write((progress as TextBuffer).text + (output as TextBuffer).text);
  };
  if (o.iidfile !== "") {
    try {
      rmSync(o.iidfile, { force: true });
    } catch (err) {
      throw new Error(`Removing image ID file: remove ${o.iidfile}: ${errnoText(err)}`);
    }
  }
  const ctx = await prepareContext(o, stdio);
  let body: Readable = ctx.body;
  if (o.compress) body = forward(body, createGzip());
  body = forward(body, uploadProgress(progress, isTerminal));

  let res: Awaited<ReturnType<EngineClient["build"]["build"]>>;
  try {
    res = await client.build.build(body, { ...o.api, dockerfile: ctx.dockerfile });
  } catch (err) {
    if (o.quiet) stdio.stderr.write((progress as TextBuffer).text);
    throw err;
  }
  let imageId: string;
  try {
    imageId = await displayBuild(res, output, o.quiet ? false : isTerminal);
  } catch (err) {
    if (err instanceof StatusError) replay();
    throw err;
  }
  if (o.quiet) {
    // the daemon's quiet output is the image ID, printed as it came
    imageId = (output as TextBuffer).text;
    stdio.stdout.write(imageId);
  }
  if (o.iidfile !== "") {
    if (imageId === "") throw new Error(`Server did not provide an image ID. Cannot write ${o.iidfile}`);
    try {
      writeFileSync(o.iidfile, imageId, { mode: 0o666 });
    } catch (err) {
      throw goPathError("open", o.iidfile, err);
    }
  }
}

function forward<T extends NodeJS.ReadWriteStream & Readable>(source: Readable, through: T): T {
  source.on("error", (err) => through.destroy(err));
  return source.pipe(through);
}

export const command: CommandModule = {
  usage: "[OPTIONS] PATH | URL | -",
  short: "Build an image from a Dockerfile",
  aliases: ["kapsel image build", "kapsel build", "kapsel builder build"],
  flags: buildFlags,
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const o = toBuildOptions(ctx.flags, ctx.env);
    // every stored login: the daemon pulls a missing FROM image with them
    o.api.authConfigs = allStoredAuths(ctx.env);
    await runBuild(ctx.client(), o, ctx.stdio);
    return 0;
  },
};
