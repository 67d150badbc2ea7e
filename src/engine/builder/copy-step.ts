import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { invalid, KapselError, notImplemented } from "../../lib/errors.ts";
import { downloadSource, isGitUrl, isUrl } from "./add-url.ts";
import type { BuildJob, StageState } from "./build-job.ts";
import { shellOf } from "./build-job.ts";
import { resolveChown } from "./chown.ts";
import { commitImage, keyOf, probeCache } from "./commit.ts";
import { type CopyOptions, planCopy, planInlineFile } from "./copy-rules.ts";
import { type CopyInfo, findSources, MissingSourceError } from "./copy-sources.ts";
import type { CopyInstruction } from "./dockerfile/index.ts";
import { imageFor } from "./from-image.ts";
import { nopCommentString } from "./history-text.ts";
import { LayerPlan, type Owner } from "./layer-plan.ts";
import { layerTar } from "./layer-tar.ts";
import { ContextTree, HostTree } from "./source-tree.ts";
import { stageRef } from "./stage-graph.ts";
import { epochDate, type TempLayer, tempLayer } from "./temp-layer.ts";

const sha = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex");

/**
 * COPY and ADD (moby's dispatchCopy, dispatchAdd and performCopy): the sources are found and
 * hashed first (a missing one fails even when the cache would have hit, as in Docker), then the
 * cache is probed with the sources' content hash; on a miss the layer is planned against the
 * stage's image (seen through the mount of a temporary layer: destinations, existing
 * directories, /etc/passwd for --chown) and written as a layer tar straight from the sources
 * (layer-plan.ts, layer-tar.ts). --from reads another stage's or image's files through a mount
 * of its own temporary layer.
 */
export async function copyStep(job: BuildJob, state: StageState, ins: CopyInstruction): Promise<void> {
  const cmd = ins.kind;
  checkFlags(ins);
  const mode = ins.chmod === undefined ? undefined : parseChmod(ins.chmod);
  const dest = normalizeDest(state.config.WorkingDir ?? "", ins.dest);
  const from = ins.from ? await fromImage(job, state, ins.from) : undefined;

  // the sources known before any mount: the context's, downloads, inline files
  const infos: CopyInfo[] = [];
  const hashes: string[] = [];
  if (!from) {
    const tree = new ContextTree(job.context);
    for (const src of ins.sources) {
      if (isUrl(src) || isGitUrl(src)) {
        if (cmd === "COPY") throw invalid(`${cmd} failed: source can't be a URL for COPY`);
        if (isGitUrl(src))
          throw notImplemented(`ADD of a git repository (${src}) is not implemented in kapsel`);
        const got = await downloadSource(src, dest, job.scratch, {
          checksum: ins.checksum,
          signal: job.signal,
        });
        infos.push(got.info);
        hashes.push(`${got.info.rel}:${got.digest}`);
        continue;
      }
      if (ins.checksum) throw invalid(`checksum can't be specified for non-HTTP(S) sources: ${src}`);
      for (const info of await sourcesOrFail(cmd, () => findSources(tree, [src], true))) {
        infos.push(info);
        hashes.push(`${posix.basename(info.rel)}:${await info.tree.hash(info.resolved)}`);
      }
    }
  } else {
    hashes.push(`from:${from.imageId ?? "scratch"}:${JSON.stringify(ins.sources)}`);
  }
  for (const h of ins.heredocs) hashes.push(`heredoc:${sha([h.name, h.content])}`);
  if (!from && infos.length + ins.heredocs.length === 0)
    throw invalid(`${cmd} failed: no source files were specified`);
  if (!from) checkDest(cmd, infos.length + ins.heredocs.length, dest);

  const kind =
    infos.length === 1 && ins.heredocs.length === 0
      ? infos[0].stat.type === "dir"
        ? "dir"
        : "file"
      : "multi";
  const srcHash = kind === "multi" || from ? `multi:${sha(hashes)}` : `${kind}:${sha(hashes)}`;
  const flags = `${ins.chown ? `--chown=${ins.chown} ` : ""}${ins.chmod ? `--chmod=${ins.chmod} ` : ""}`;
  const createdBy = nopCommentString(shellOf(state.config), `${cmd} ${flags}${srcHash} in ${dest} `);
  const key = keyOf(job, state, createdBy);
  if (probeCache(job, state, key)) return;

  const layer = await tempLayer(job, state.imageId);
  let source: TempLayer | undefined;
  try {
    let owner: Owner | undefined = { uid: 0, gid: 0 };
    if (ins.chown) owner = await resolveChown(ins.chown, layer.root);
    else if (from) owner = undefined; // COPY --from keeps the source's owners
    const o: CopyOptions = { owner, mode, decompress: cmd === "ADD" };
    if (from) {
      source = await tempLayer(job, from.imageId);
      const tree = new HostTree(source.root);
      infos.push(...(await sourcesOrFail(cmd, () => findSources(tree, ins.sources, false))));
      if (infos.length + ins.heredocs.length === 0)
        throw invalid(`${cmd} failed: no source files were specified`);
      checkDest(cmd, infos.length + ins.heredocs.length, dest);
    }
    const now = new Date();
    const plan = new LayerPlan(layer.root, now);
    for (const info of infos) await planCopy(plan, dest, info, o);
    if (ins.heredocs.length > 0) {
      const dir = await mkdtemp(posix.join(job.scratch, "heredoc-"));
      for (const [i, h] of ins.heredocs.entries()) {
        const file = posix.join(dir, String(i));
        await writeFile(file, h.content);
        const size = Buffer.byteLength(h.content);
        await planInlineFile(plan, dest, h.name, { source: file, size, mtime: now.getTime() }, o);
      }
    }
    // a copy that changes nothing (an empty directory into an existing one) adds no layer
    const tarIfAny = plan.empty ? undefined : layerTar(plan, epochDate(job));
    await commitImage(job, state, { key, createdBy, layer: tarIfAny });
  } finally {
    await source?.release();
    await layer.release();
  }
}

/** The image a --from names: a stage's result (waited for), else an image (pulled if missing). */
async function fromImage(
  job: BuildJob,
  state: StageState,
  ref: string,
): Promise<{ imageId: string | undefined }> {
  let stage: number | undefined;
  try {
    stage = stageRef(ref, state.index, job.dockerfile.stages.length, job.stageNames);
  } catch (err) {
    throw invalid(
      `invalid from flag value ${ref}: ${(err as Error).message.replace(/^invalid from flag value [^:]*: /, "")}`,
    );
  }
  if (stage !== undefined) {
    const result = job.stages.get(stage);
    if (!result) throw invalid(`invalid from flag value ${ref}: the stage is not part of this build`);
    return { imageId: (await result).imageId };
  }
  try {
    return { imageId: (await imageFor(job, ref, state.out, { pull: false })).id };
  } catch (err) {
    if (err instanceof KapselError)
      throw new KapselError(err.kind, `invalid from flag value ${ref}: ${err.message}`);
    throw err;
  }
}

async function sourcesOrFail(cmd: string, find: () => Promise<CopyInfo[]>): Promise<CopyInfo[]> {
  try {
    return await find();
  } catch (err) {
    if (err instanceof MissingSourceError) throw invalid(`${cmd} failed: ${err.message}`);
    throw err;
  }
}

function checkDest(cmd: string, count: number, dest: string): void {
  if (count > 1 && !dest.endsWith("/"))
    throw invalid(
      `When using ${cmd} with more than one source file, the destination must be a directory and end with a /`,
    );
}

/** The flags of BuildKit's COPY that kapsel does not do. --link changes nothing here: accepted. */
function checkFlags(ins: CopyInstruction): void {
  const unsupported: string[] = [];
  if (ins.parents) unsupported.push("--parents");
  if (ins.excludes && ins.excludes.length > 0) unsupported.push("--exclude");
  if (ins.keepGitDir !== undefined) unsupported.push("--keep-git-dir");
  if (ins.unpack !== undefined) unsupported.push("--unpack");
  if (unsupported.length > 0)
    throw notImplemented(`${ins.kind} ${unsupported.join(", ")} is not implemented in kapsel's builder`);
}

/** --chmod: an octal mode (BuildKit's); the classic builder refused the flag. */
function parseChmod(v: string): number {
  if (!/^[0-7]{1,4}$/.test(v)) throw invalid(`invalid chmod parameter: ${v} (kapsel takes an octal mode)`);
  return Number.parseInt(v, 8);
}

/** moby's normalizeDest: a relative destination is under WORKDIR; a trailing `/` is kept. */
export function normalizeDest(workingDir: string, requested: string): string {
  if (requested.startsWith("/")) return requested;
  const dest = posix.join("/", workingDir, requested);
  return requested.endsWith("/") && !dest.endsWith("/") ? `${dest}/` : dest;
}
