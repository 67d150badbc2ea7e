import type { ServerResponse } from "node:http";
import {
  type BuildMessage,
  type BuildOptions,
  type RegistryAuth,
  RunStepError,
} from "../engine/builder/index.ts";
import type { Engine } from "../engine/engine.ts";
import { invalid, messageOf, notImplemented } from "../lib/errors.ts";
import { queryBool, queryFilters, queryInt } from "./request.ts";
import type { RouteContext, Router } from "./router.ts";

/**
 * POST /build (the classic builder's API, moby daemon/server/router/build) and /build/prune.
 * The answer is Docker's JSON message stream; like Docker's write-flusher, it starts with the
 * first message, so what fails before one (bad options, an unreadable context, a Dockerfile
 * that does not parse) is an ordinary error status, and what fails after is an
 * {"errorDetail":…,"error":…} line (with the exit code of a failed RUN as errorDetail.code,
 * which the docker CLI exits with). With q=1 only {"stream":"sha256:…\n"} is sent, or on a
 * failure everything held back and then the error. `check=1` (kapsel's) only lints;
 * `warnings=1` (kapsel's) adds the checks' warnings after the transcript.
 */
export function buildRoutes(router: Router, engine: Engine): void {
  router.post("/build", (ctx) => postBuild(ctx, engine));
  router.post("/build/prune", async (ctx) => {
    for (const [key, values] of queryFilters(ctx.query))
      if (values.length > 0)
        throw notImplemented(`builder prune filter "${key}" is not implemented in kapsel`);
    const r = await (await engine.builder()).prune();
    return { ...r, CachesDeleted: r.CachesDeleted };
  });
  router.post("/build/cancel", () => {
    throw notImplemented("cancelling a build by id (BuildKit's) is not implemented in kapsel");
  });
  // BuildKit's session (h2c, gRPC) is what buildx and DOCKER_BUILDKIT=1 open first
  router.post("/session", () => {
    throw notImplemented(
      "BuildKit sessions are not implemented in kapsel: it has the classic builder (DOCKER_BUILDKIT=0)",
    );
  });
}

async function postBuild(ctx: RouteContext, engine: Engine): Promise<undefined> {
  let options: BuildOptions;
  try {
    options = buildOptionsOf(ctx);
  } catch (err) {
    await drain(ctx);
    throw err;
  }
  const abort = new AbortController();
  ctx.res.on("close", () => {
    if (!ctx.res.writableFinished) abort.abort(new Error("Build cancelled: the client went away"));
  });
  options.signal = abort.signal;
  const quiet = queryBool(ctx.query, "q");
  const out = new MessageStream(ctx.res, quiet);

  if (queryBool(ctx.query, "check")) {
    const result = await (await engine.builder()).check(ctx.req, options);
    for (const w of result.warnings)
      out.write({ stream: `WARN: ${w.rule}: ${w.message}${w.line ? ` (line ${w.line})` : ""}\n` });
    const n = result.warnings.length;
    out.write({
      stream:
        n === 0
          ? "Check complete, no warnings found.\n"
          : `Check complete, ${n} warning${n === 1 ? " has" : "s have"} been found!\n`,
    });
    out.flush();
    if (result.error) out.send({ errorDetail: { message: result.error }, error: result.error });
    out.end();
    return undefined;
  }

  try {
    const { imageId } = await (await engine.builder()).build(ctx.req, options, (m) => out.write(m));
    if (quiet) out.send({ stream: `${imageId}\n` });
  } catch (err) {
    if (!out.started && !(quiet && out.held > 0)) throw err;
    out.flush();
    const message = messageOf(err);
    const code = err instanceof RunStepError ? err.exitCode : undefined;
    out.send({ errorDetail: { ...(code ? { code } : {}), message }, error: message });
  }
  out.end();
  return undefined;
}

/** The JSON lines of the answer; with q=1 held back until the end (Docker's notVerboseBuffer). */
class MessageStream {
  readonly #res: ServerResponse;
  readonly #quiet: boolean;
  #held: unknown[] = [];
  started = false;

  constructor(res: ServerResponse, quiet: boolean) {
    this.#res = res;
    this.#quiet = quiet;
  }

  get held(): number {
    return this.#held.length;
  }

  write(m: BuildMessage): void {
    if (this.#quiet) this.#held.push(m);
    else this.send(m);
  }

  /** What q=1 held back, now. */
  flush(): void {
    const held = this.#held;
    this.#held = [];
    for (const m of held) this.send(m);
  }

  send(m: unknown): void {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return;
    if (!this.started) {
      this.started = true;
      res.writeHead(200, { "Content-Type": "application/json" });
    }
    // Node queues what the client has not read yet; RUN output has no backpressure either
    res.write(`${JSON.stringify(m)}\r\n`);
  }

  end(): void {
    if (!this.started && !this.#res.headersSent)
      this.#res.writeHead(200, { "Content-Type": "application/json" });
    if (!this.#res.writableEnded) this.#res.end();
  }
}

/** moby's newImageBuildOptions: the query, checked before the context is read. */
function buildOptionsOf(ctx: RouteContext): BuildOptions {
  const q = ctx.query;
  const json = <T>(name: string, what: string, check: (v: unknown) => boolean): T | undefined => {
    const raw = q.get(name);
    if (!raw) return undefined;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      throw invalid(`error reading ${what}: ${(err as Error).message}`);
    }
    if (v === null) return undefined;
    if (!check(v)) throw invalid(`error reading ${what}: unexpected JSON for ${name}`);
    return v as T;
  };
  const isMap = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (q.getAll("securityopt").some((s) => s !== ""))
    throw invalid("security options are not supported on linux");
  const isolation = q.get("isolation") ?? "";
  if (isolation !== "" && isolation !== "default") throw invalid(`unsupported isolation: "${isolation}"`);
  if (queryBool(q, "squash")) throw invalid("squash is only supported with experimental mode");
  const version = q.get("version") ?? "";
  if (version === "2")
    throw notImplemented(
      "BuildKit (builder version 2) is not implemented in kapsel: it has the classic builder (DOCKER_BUILDKIT=0)",
    );
  if (version !== "" && version !== "1") throw invalid(`invalid version "${version}"`);
  const remote = q.get("remote") ?? "";
  if (remote === "client-session")
    throw invalid(
      "experimental session with v1 builder is no longer supported, use builder version v2 (BuildKit) instead",
    );
  if (remote !== "")
    throw notImplemented(`building from a remote context (${remote}) is not implemented in kapsel`);
  const outputs = json<unknown[]>("outputs", "outputs", Array.isArray);
  if (outputs && outputs.length > 0) throw notImplemented("build outputs are not implemented in kapsel");
  const cacheFrom = json<unknown[]>("cachefrom", "cache-from", Array.isArray);
  if (cacheFrom?.some((c) => typeof c !== "string"))
    throw invalid("error reading cache-from: not a list of names");
  const buildArgs = json<Record<string, string | null>>("buildargs", "build args", isMap);
  for (const [k, v] of Object.entries(buildArgs ?? {}))
    if (v !== null && typeof v !== "string") throw invalid(`error reading build args: ${k} is not a string`);
  const labels = json<Record<string, string>>("labels", "labels", isMap);
  const ulimits = json<BuildOptions["ulimits"]>("ulimits", "ulimit settings", Array.isArray);
  const shmSize = queryInt(q, "shmsize");
  if (shmSize !== undefined && shmSize < 0) throw invalid("SHM size can not be less than 0");
  const forceRemove = queryBool(q, "forcerm");
  const resources: NonNullable<BuildOptions["resources"]> = {};
  for (const [param, key] of [
    ["memory", "Memory"],
    ["memswap", "MemorySwap"],
    ["cpushares", "CpuShares"],
    ["cpuquota", "CpuQuota"],
    ["cpuperiod", "CpuPeriod"],
  ] as const) {
    const v = queryInt(q, param);
    if (v) resources[key] = v;
  }
  for (const [param, key] of [
    ["cpusetcpus", "CpusetCpus"],
    ["cpusetmems", "CpusetMems"],
    ["cgroupparent", "CgroupParent"],
  ] as const) {
    const v = q.get(param);
    if (v) resources[key] = v;
  }
  return {
    dockerfile: q.get("dockerfile") || undefined,
    tags: q.getAll("t"),
    buildArgs: buildArgs ?? {},
    labels: labels ?? {},
    target: q.get("target") || undefined,
    noCache: queryBool(q, "nocache"),
    cacheFrom: cacheFrom as string[] | undefined,
    pull: queryBool(q, "pull"),
    // Docker: forcerm implies rm; rm defaults to true
    remove: forceRemove || q.get("rm") === null || q.get("rm") === "" || queryBool(q, "rm"),
    forceRemove,
    networkMode: q.get("networkmode") || undefined,
    extraHosts: q.getAll("extrahosts").filter((h) => h !== ""),
    shmSize: shmSize || undefined,
    ulimits: ulimits ?? [],
    resources,
    platform: ctx.version >= 1.32 ? q.get("platform") || undefined : undefined,
    lintWarnings: queryBool(q, "warnings"),
    auth: registryConfig(ctx),
  };
}

/** X-Registry-Config: base64url JSON of {registry: AuthConfig}; undecodable means none, as in Docker. */
function registryConfig(ctx: RouteContext): Record<string, RegistryAuth> {
  const raw = ctx.req.headers["x-registry-config"];
  const header = Array.isArray(raw) ? raw[0] : raw;
  if (!header) return {};
  try {
    const text = Buffer.from(header.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, RegistryAuth>) : {};
  } catch {
    return {};
  }
}

/**
 * Reads and drops the body before an error is answered: a client cut off while still sending
 * its context sees a broken connection, not the error (the docker CLI: "error during connect").
 */
function drain(ctx: RouteContext): Promise<void> {
  if (ctx.req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    ctx.req.on("end", resolve);
    ctx.req.on("close", resolve);
    ctx.req.on("error", () => resolve());
    ctx.req.resume();
  });
}
