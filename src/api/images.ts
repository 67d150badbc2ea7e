import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { byteProgress } from "../engine/distribution/index.ts";
import type { Engine } from "../engine/engine.ts";
import type { ImageRecord } from "../engine/images/index.ts";
import {
  applyChanges,
  type ContainerConfig,
  familiarString,
  loadImages,
  parseNormalizedNamed,
  saveImages,
  withDefaultTag,
} from "../engine/images/index.ts";
import { conflict, invalid, KapselError, messageOf } from "../lib/errors.ts";
import { pullRoute } from "./distribution.ts";
import { queryBool, queryFilters, readJson } from "./request.ts";
import { jsonLines, sendJson, sendStream } from "./respond.ts";
import type { RouteContext, Router } from "./router.ts";

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** GET of an import source; a failure is the client's (a bad or unreachable URL). */
async function openUrl(url: string): Promise<{ stream: Readable; length: number }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`invalid URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw invalid(`unsupported URL scheme for import: ${parsed.protocol.replace(/:$/, "")}`);
  let res: Response;
  try {
    res = await fetch(parsed, { redirect: "follow" });
  } catch (err) {
    throw invalid(`Get "${url}": ${messageOf((err as Error).cause ?? err)}`);
  }
  if (res.status >= 400 || !res.body) {
    const text = (await res.text().catch(() => "")).trim();
    throw invalid(`failed to GET ${url} with status ${res.status} ${res.statusText}: ${text}`);
  }
  return {
    stream: Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
    length: Number(res.headers.get("content-length") ?? -1),
  };
}

/** Docker's ImageSummary; Containers and SharedSize are -1, "not computed", as Docker sends them by default. */
export function imageSummary(img: ImageRecord) {
  return {
    Containers: -1,
    Created: unix(img.created),
    Id: img.id,
    Labels: img.config.config?.Labels ?? null,
    ParentId: img.parent ?? "",
    RepoDigests: img.repoDigests,
    RepoTags: img.repoTags,
    SharedSize: -1,
    Size: img.size,
  };
}

export function imageInspect(
  img: ImageRecord,
  graphDriver: { Name: string; Data: Record<string, string> | null },
) {
  const c = img.config;
  const build = (c as { "kapsel.build"?: unknown })["kapsel.build"];
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: img.parent ?? "",
    Comment: c.comment ?? c.history?.at(-1)?.comment ?? "",
    Created: img.created,
    DockerVersion: c.docker_version ?? "",
    Author: c.author ?? "",
    Config: c.config ?? {},
    Architecture: c.architecture ?? "amd64",
    Os: c.os ?? "linux",
    Size: img.size,
    GraphDriver: graphDriver,
    RootFS: { Type: "layers", Layers: c.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: img.lastTagTime ?? "0001-01-01T00:00:00Z" },
    // kapsel's own: how the image was built (the Dockerfile and build args), when it was
    ...(build ? { KapselBuild: build } : {}),
  };
}

export function imageRoutes(router: Router, engine: Engine): void {
  const { images } = engine;

  router.get("/images/json", (ctx) => {
    const filters = queryFilters(ctx.query);
    // before 1.41 a `filter` parameter was a reference pattern
    const legacy = ctx.version < 1.41 ? ctx.query.get("filter") : null;
    if (legacy) filters.set("reference", [...(filters.get("reference") ?? []), legacy]);
    const list = images.list({ all: queryBool(ctx.query, "all"), filters });
    return list.map((i) => {
      const s = imageSummary(i);
      // before 1.43 an image without names showed Docker's placeholders
      if (ctx.version < 1.43 && s.RepoTags.length === 0 && s.RepoDigests.length === 0)
        return { ...s, RepoTags: ["<none>:<none>"], RepoDigests: ["<none>@<none>"], VirtualSize: s.Size };
      return ctx.version < 1.44 ? { ...s, VirtualSize: s.Size } : s;
    });
  });

  router.get("/images/{name*}/json", (ctx) => {
    const img = images.resolve(ctx.params.name);
    const view = imageInspect(img, engine.imageGraphDriver(img));
    if (ctx.version >= 1.5) return view; // API 1.50 (versions are compared as numbers)
    // older clients get the image config in the container-config shape Docker used before
    // 1.50 (every field, empty ones too), and before 1.45 the empty Container fields as well
    const legacy = { ...view, Config: legacyImageConfig(view.Config as Record<string, unknown>) };
    if (ctx.version >= 1.45) return legacy;
    return { ...legacy, Container: "", ContainerConfig: legacyImageConfig({}) };
  });

  router.get("/images/{name*}/history", (ctx) => images.history(ctx.params.name));

  router.post("/images/{name*}/tag", (ctx) => {
    const repo = ctx.query.get("repo") ?? "";
    const tag = ctx.query.get("tag") ?? "";
    if (!repo) throw invalid("repository name must have at least one component");
    images.tag(ctx.params.name, tag ? `${repo}:${tag}` : repo);
    sendJson(ctx.res, 201, null);
    return undefined;
  });

  router.delete("/images/{name*}", async (ctx) =>
    images.remove(ctx.params.name, {
      force: queryBool(ctx.query, "force"),
      noPrune: queryBool(ctx.query, "noprune"),
      isUsed: (id) => engine.containers.imageUser(id),
    }),
  );

  router.post("/images/create", async (ctx) => {
    const fromSrc = ctx.query.get("fromSrc");
    if (fromSrc === null) return pullRoute(ctx, await engine.distribution());
    const repo = ctx.query.get("repo") ?? "";
    const tag = ctx.query.get("tag") ?? "";
    const options = {
      repoTag: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
      changes: ctx.query.getAll("changes"),
      message: ctx.query.get("message") ?? undefined,
      platform: ctx.query.get("platform") ?? undefined,
    };
    if (fromSrc === "-") {
      const id = await images.importRootfs(ctx.req, options);
      const out = jsonLines(ctx.res);
      await out.write({ status: id });
      out.end();
      return;
    }
    // a URL: moby's ImportImage downloads it with a progress bar, then imports
    ctx.req.resume();
    const url = fromSrc.includes("://") ? fromSrc : `http://${fromSrc}`;
    const body = await openUrl(url);
    const out = jsonLines(ctx.res);
    await out.write({ status: `Downloading from ${url}` });
    const progress = byteProgress((m) => void out.write(m), "", "Importing", body.length);
    let read = 0;
    const counted = body.stream.pipe(
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          progress.tick((read += chunk.length));
          done(null, chunk);
        },
      }),
    );
    try {
      const id = await images.importRootfs(counted, options);
      progress.done();
      await out.write({ status: id });
    } catch (err) {
      await out.write({ errorDetail: { message: messageOf(err) }, error: messageOf(err) });
    }
    out.end();
  });

  router.post("/commit", async (ctx) => {
    const body = await readJson<ContainerConfig | null>(ctx.req, null);
    const repo = ctx.query.get("repo") ?? "";
    const tag = ctx.query.get("tag") ?? "";
    if (!repo && tag)
      throw invalid("invalid reference format: repository name must have at least one component");
    const id = await commitContainer(engine, ctx.query.get("container") ?? "", {
      repoTag: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
      author: ctx.query.get("author") ?? "",
      comment: ctx.query.get("comment") ?? "",
      changes: ctx.query.getAll("changes"),
      // Docker pauses a running container while it copies its changes, unless told not to
      pause: queryBool(ctx.query, "pause", true),
      config: body ?? undefined,
    });
    sendJson(ctx.res, 201, { Id: id });
    return undefined;
  });

  /** kapsel's own: make a first image from the host (busybox-static, debootstrap). */
  router.post("/kapsel/images/bootstrap", async (ctx) => {
    const ref = ctx.query.get("ref") || "busybox";
    const out = jsonLines(ctx.res);
    try {
      const debian = ref.startsWith("debian");
      const repoTag = ref.includes(":") ? ref : `${ref}:${debian ? "bookworm" : "latest"}`;
      await out.write({ status: `Bootstrapping ${repoTag} from the host` });
      const id = debian
        ? await images.bootstrapDebian(ref.split(":")[1] || "bookworm", repoTag)
        : await images.bootstrapBusybox(repoTag);
      // the id travels as aux, as docker build's does: clients print it
      await out.write({ aux: { ID: id } });
    } catch (err) {
      await out.write({ errorDetail: { message: (err as Error).message }, error: (err as Error).message });
    }
    out.end();
  });

  const save = async (ctx: RouteContext, names: string[]) => {
    if (names.length === 0) throw invalid("no image names given to save");
    await sendStream(ctx.res, "application/x-tar", await saveImages(engine, names));
    return undefined;
  };
  router.get("/images/get", (ctx) => save(ctx, ctx.query.getAll("names")));
  router.get("/images/{name*}/get", (ctx) => save(ctx, [ctx.params.name]));

  router.post("/images/prune", async (ctx) => {
    const report = await engine.images.prune(queryFilters(ctx.query), (id) =>
      engine.containers.imageUser(id),
    );
    engine.events.publish("image", "prune", "", { reclaimed: String(report.SpaceReclaimed) });
    return report;
  });

  router.post("/images/load", async (ctx) => {
    // as moby's postImagesLoad: a failed load is still a 200, its error the stream's last line
    // (docker-py raises ImageLoadError from that line, the CLI prints it)
    let lines: string[];
    try {
      lines = await loadImages(engine, ctx.req, join(engine.config.dataRoot, "image", "tmp"));
    } catch (err) {
      const message = messageOf(err);
      const out = jsonLines(ctx.res);
      await out.write({ errorDetail: { message }, error: message });
      out.end();
      return;
    }
    const out = jsonLines(ctx.res);
    for (const line of lines) await out.write({ stream: `${line}\n` });
    out.end();
  });
}

/** moby's container.Config as JSON, in its field order: what API < 1.50 shows as an image's Config. */
function legacyImageConfig(c: Record<string, unknown>): Record<string, unknown> {
  const opt = (k: string) => (c[k] === undefined || c[k] === null || c[k] === "" ? {} : { [k]: c[k] });
  return {
    Hostname: "",
    Domainname: "",
    User: c.User ?? "",
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...opt("ExposedPorts"),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    ...opt("Healthcheck"),
    ...(c.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: "",
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? "",
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
    ...opt("StopSignal"),
    ...opt("Shell"),
  };
}

/** The parts of a container's config an image keeps (the OCI image config's, and Docker's extras). */
const IMAGE_CONFIG_KEYS = [
  "User",
  "ExposedPorts",
  "Env",
  "Entrypoint",
  "Cmd",
  "Healthcheck",
  "ArgsEscaped",
  "Volumes",
  "WorkingDir",
  "Labels",
  "OnBuild",
  "StopSignal",
  "Shell",
] as const;

/**
 * docker commit (moby daemon/commit.go): the container's changes as a layer on its image, with
 * the container's config (or the one given, the container's filling its gaps) and the changes
 * applied. A running container is paused meanwhile unless `pause` is false.
 * TODO(lead): an engine function rather than a route's; it spans containers and images.
 */
async function commitContainer(
  engine: Engine,
  ref: string,
  o: {
    repoTag?: string;
    author: string;
    comment: string;
    changes: string[];
    pause: boolean;
    config?: ContainerConfig;
  },
): Promise<string> {
  const rec = engine.containers.store.get(ref);
  if (rec.state.Dead) throw conflict(`You cannot commit container ${rec.id} which is Dead`);
  if (rec.state.Status === "removing")
    throw conflict(`You cannot commit container ${rec.id} which is being removed`);
  const own = rec.config as unknown as ContainerConfig;
  const config = mergeConfig(applyChanges(o.config ?? own, o.changes), own);
  let pause = o.pause && rec.state.Running && !rec.state.Paused;
  if (pause) {
    try {
      await engine.containers.pause(rec.id);
    } catch (err) {
      // the process ended before kapsel saw it exit (`docker commit` right after a short
      // `start`): there is nothing left to freeze, so commit its filesystem as Docker would
      if (!(err instanceof KapselError && err.kind === "conflict")) throw err;
      pause = false;
    }
  }
  let id: string;
  try {
    const kept: ContainerConfig = {};
    for (const k of IMAGE_CONFIG_KEYS) {
      const v = config[k];
      if (v === undefined || v === null || v === "" || (typeof v === "object" && Object.keys(v).length === 0))
        continue;
      (kept as Record<string, unknown>)[k] = v;
    }
    id = await engine.images.createImage({
      parent: rec.imageId,
      layer: engine.storage.diffTar(rec.id),
      config: { config: kept },
      author: o.author || undefined,
      comment: o.comment || undefined,
      createdBy: (own.Cmd ?? []).join(" "),
      repoTag: o.repoTag,
    });
  } finally {
    if (pause) await engine.containers.unpause(rec.id).catch(() => {});
  }
  engine.events.publish("container", "commit", rec.id, {
    ...(rec.config.Labels ?? {}),
    comment: o.comment,
    image: rec.image,
    imageID: id,
    imageRef: o.repoTag ? familiarString(withDefaultTag(parseNormalizedNamed(o.repoTag))) : "",
    name: rec.name,
  });
  return id;
}

/** moby's merge(userConf, imageConf): what the given config leaves empty comes from the container's. */
function mergeConfig(user: ContainerConfig, own: ContainerConfig): ContainerConfig {
  const out = structuredClone(user);
  if (!out.User) out.User = own.User;
  out.ExposedPorts = { ...(own.ExposedPorts ?? {}), ...(out.ExposedPorts ?? {}) };
  const key = (e: string) => e.split("=")[0];
  const userKeys = new Set((out.Env ?? []).map(key));
  out.Env = [...(out.Env ?? []), ...(own.Env ?? []).filter((e) => !userKeys.has(key(e)))];
  out.Labels = { ...(own.Labels ?? {}), ...(out.Labels ?? {}) };
  if (!out.Entrypoint?.length) {
    if (!out.Cmd?.length) out.Cmd = own.Cmd;
    out.Entrypoint ??= own.Entrypoint;
  }
  if (!out.Healthcheck && own.Healthcheck) out.Healthcheck = own.Healthcheck;
  if (!out.WorkingDir) out.WorkingDir = own.WorkingDir;
  out.Volumes = { ...(out.Volumes ?? {}), ...(own.Volumes ?? {}) };
  if (!out.StopSignal) out.StopSignal = own.StopSignal;
  return out;
}
