import { mkdirSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { posix } from "node:path";
import { invalid, messageOf } from "../../lib/errors.ts";
import { familiarString, parseNormalizedNamed, withDefaultTag } from "../images/index.ts";
import type { BuildJob } from "./build-job.ts";
import { cacheSources, imageExists } from "./build-job.ts";
import { planBuild, runBuild } from "./build-run.ts";
import { StepCache } from "./cache.ts";
import { type BuildContext, receiveContext } from "./context.ts";
import {
  checkErrors,
  type Dockerfile,
  lint,
  lintFailureMessage,
  parseDockerfile,
} from "./dockerfile/index.ts";
import { FileHashes } from "./file-hashes.ts";
import { FileStore } from "./file-store.ts";
import { checkPlatform, hostPlatform } from "./from-image.ts";
import type { Builder, BuilderOptions, BuildOptions, BuildResult, BuildSink, CheckResult } from "./index.ts";
import { pruneCache } from "./prune.ts";
import { TempMarkers } from "./temp-markers.ts";

const DEFAULT_MAX_CONTEXT = 8 * 1024 ** 3;
/** context files kept between builds (see file-store.ts) */
const KEPT_FILES_BYTES = 2 * 1024 ** 3;

/** The Builder contract (see index.ts) over the images, storage and containers domains. */
export class LocalBuilder implements Builder {
  readonly #opts: BuilderOptions;
  readonly #tmp: string;
  readonly #cache: StepCache;
  readonly #hashes = new FileHashes();
  readonly #files: FileStore;
  readonly #markers: TempMarkers;
  readonly #maxContext: number;

  private constructor(opts: BuilderOptions, cache: StepCache) {
    this.#opts = opts;
    this.#tmp = posix.join(opts.root, "tmp");
    this.#cache = cache;
    this.#markers = new TempMarkers(this.#tmp);
    this.#files = new FileStore(posix.join(this.#tmp, "files"), KEPT_FILES_BYTES);
    const fromEnv = Number(process.env.KAPSEL_BUILD_CONTEXT_LIMIT);
    this.#maxContext = opts.maxContextBytes ?? (fromEnv > 0 ? fromEnv : DEFAULT_MAX_CONTEXT);
  }

  /** Loads the cache, and removes what a build interrupted by a crash left (see temp-markers.ts). */
  static async open(opts: BuilderOptions): Promise<LocalBuilder> {
    const tmp = posix.join(opts.root, "tmp");
    mkdirSync(tmp, { recursive: true });
    for (const { kind, id } of await new TempMarkers(tmp).leftovers()) {
      try {
        if (kind === "ctr") await opts.containers.remove(id, { force: true, volumes: true });
        else await opts.storage.removeRw(id);
      } catch (err) {
        if (!/no such container/i.test(messageOf(err)))
          opts.log?.(
            "warn",
            `removing the leftover of an interrupted build (${kind} ${id}): ${messageOf(err)}`,
          );
      }
    }
    for (const name of await readdir(tmp)) await rm(posix.join(tmp, name), { recursive: true, force: true });
    const cache = StepCache.load(posix.join(opts.root, "cache.json"), (id) => imageExists(opts.images, id));
    return new LocalBuilder(opts, cache);
  }

  async build(body: NodeJS.ReadableStream, o: BuildOptions, out: BuildSink): Promise<BuildResult> {
    const tags = checkOptions(o);
    const ctx = await this.#receive(body, o);
    let scratch: string | undefined;
    const pending: Array<Promise<void>> = [];
    const abort = new AbortController();
    const onAbort = () => abort.abort(o.signal?.reason ?? new Error("Build cancelled"));
    o.signal?.addEventListener("abort", onAbort);
    if (o.signal?.aborted) onAbort();
    try {
      const df = parse(ctx);
      const plan = planBuild(df, o);
      scratch = await mkdtemp(posix.join(this.#tmp, "scratch-"));
      const stageNames = new Map<string, number>();
      for (const s of df.stages) if (s.name) stageNames.set(s.name.toLowerCase(), s.index);
      const target = plan.plans[plan.plans.length - 1];
      const labels = Object.keys(o.labels ?? {}).length;
      const totalSteps =
        plan.metaSteps.length +
        plan.plans.reduce((n, p) => n + 1 + p.stage.instructions.length + (p === target ? labels : 0), 0);
      const job: BuildJob = {
        deps: this.#opts,
        options: o,
        context: ctx,
        dockerfile: df,
        cache: this.#cache,
        cacheSources: cacheSources(this.#opts.images, o.cacheFrom),
        epoch: plan.epoch,
        platform: hostPlatform(),
        stageNames,
        stages: new Map(),
        markers: this.#markers,
        scratch,
        signal: abort.signal,
        metaArgs: plan.metaArgs,
        totalSteps,
        background: (work) => {
          const p = work.catch((err) => this.#opts.log?.("warn", `build cleanup: ${messageOf(err)}`));
          pending.push(p);
          return p;
        },
      };
      const imageId = await runBuild(job, plan, out, abort, tags);
      return { imageId };
    } finally {
      o.signal?.removeEventListener("abort", onAbort);
      await Promise.all(pending);
      await ctx.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  }

  async check(body: NodeJS.ReadableStream, o: BuildOptions): Promise<CheckResult> {
    const ctx = await this.#receive(body, o);
    try {
      const df = parse(ctx);
      planBuild(df, { buildArgs: o.buildArgs, target: o.target, lintErrors: false });
      const warnings = lint(df);
      return {
        warnings: warnings.map((w) => ({ rule: w.rule, message: w.message, line: w.line })),
        ...(checkErrors(df) && warnings.length > 0 ? { error: lintFailureMessage(warnings) } : {}),
      };
    } finally {
      await ctx.close();
    }
  }

  prune(): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
    return pruneCache(this.#opts, this.#cache);
  }

  #receive(body: NodeJS.ReadableStream, o: BuildOptions): Promise<BuildContext> {
    return receiveContext(body, {
      tmpDir: this.#tmp,
      dockerfile: o.dockerfile,
      maxBytes: this.#maxContext,
      hashes: this.#hashes,
      store: this.#files,
    });
  }
}

function parse(ctx: BuildContext): Dockerfile {
  return parseDockerfile(ctx.dockerfile.text, { name: ctx.dockerfile.path });
}

/** What Docker refuses before reading the context: tags (sanitizeRepoAndTags), the platform. */
function checkOptions(o: BuildOptions): string[] {
  checkPlatform(o.platform);
  const tags: string[] = [];
  for (const t of o.tags ?? []) {
    if (t === "") continue;
    const named = parseNormalizedNamed(t);
    if (named.digest) throw invalid("build tag cannot contain a digest");
    const name = familiarString(withDefaultTag(named));
    if (!tags.includes(name)) tags.push(name);
  }
  return tags;
}
