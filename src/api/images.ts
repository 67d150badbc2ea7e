import type { Engine } from "../engine/engine.ts";
import type { ImageRecord } from "../engine/images/index.ts";
import { invalid } from "../lib/errors.ts";
import { checkFilterNames, queryBool, queryFilters } from "./request.ts";
import { jsonLines, sendJson } from "./respond.ts";
import type { Router } from "./router.ts";

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function imageSummary(img: ImageRecord, containers: number) {
  return {
    Id: img.id,
    ParentId: img.parent ?? "",
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Created: unix(img.created),
    Size: img.size,
    SharedSize: -1,
    Labels: img.config.config?.Labels ?? {},
    Containers: containers,
  };
}

export function imageInspect(
  img: ImageRecord,
  graphDriver: { Name: string; Data: Record<string, string> | null },
) {
  const c = img.config;
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
    Metadata: { LastTagTime: "0001-01-01T00:00:00Z" },
  };
}

export function imageRoutes(router: Router, engine: Engine): void {
  const { images } = engine;

  router.get("/images/json", (ctx) => {
    const filters = queryFilters(ctx.query);
    checkFilterNames(filters, ["dangling", "label", "before", "since", "reference", "until"]);
    const all = queryBool(ctx.query, "all");
    let list = images.list();
    const dangling = filters.get("dangling")?.[0];
    if (dangling !== undefined) {
      if (!["true", "false", "1", "0"].includes(dangling))
        throw invalid(`invalid filter 'dangling=${dangling}'`);
      const want = dangling === "true" || dangling === "1";
      list = list.filter((i) => (i.repoTags.length === 0) === want);
    } else if (!all) {
      list = list.filter((i) => i.repoTags.length > 0 || !images.list().some((o) => o.parent === i.id));
    }
    for (const label of filters.get("label") ?? []) {
      const [k, v] = label.split("=", 2);
      list = list.filter((i) => {
        const labels = i.config.config?.Labels ?? {};
        return v === undefined ? k in labels : labels[k] === v;
      });
    }
    const refs = filters.get("reference");
    if (refs && refs.length > 0) {
      const patterns = refs.map((r) => globToRegExp(r.includes(":") || r.includes("@") ? r : `${r}:*`));
      list = list.filter((i) => i.repoTags.some((t) => patterns.some((p) => p.test(t))));
    }
    for (const key of ["before", "since"] as const) {
      const ref = filters.get(key)?.[0];
      if (!ref) continue;
      const pivot = Date.parse(images.resolve(ref).created);
      list = list.filter((i) =>
        key === "before" ? Date.parse(i.created) < pivot : Date.parse(i.created) > pivot,
      );
    }
    const usage = new Map<string, number>();
    for (const c of engine.containers.store.all()) usage.set(c.imageId, (usage.get(c.imageId) ?? 0) + 1);
    return list
      .sort((a, b) => Date.parse(b.created) - Date.parse(a.created))
      .map((i) => imageSummary(i, usage.get(i.id) ?? 0));
  });

  router.get("/images/{name*}/json", (ctx) => {
    const img = images.resolve(ctx.params.name);
    return imageInspect(img, engine.imageGraphDriver(img));
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
    if (fromSrc === null) {
      const from = ctx.query.get("fromImage") ?? "";
      if (!from) throw invalid("image name is required");
      throw engine.notImplemented(`pulling images from a registry (${from})`);
    }
    if (fromSrc !== "-") throw engine.notImplemented("importing from a URL");
    const repo = ctx.query.get("repo") ?? "";
    const tag = ctx.query.get("tag") ?? "";
    const id = await images.importRootfs(ctx.req, {
      repoTag: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
      changes: ctx.query.getAll("changes"),
      message: ctx.query.get("message") ?? undefined,
      platform: ctx.query.get("platform") ?? undefined,
    });
    const out = jsonLines(ctx.res);
    await out.write({ status: id });
    out.end();
  });

  /** kapsel's own: make a first image from the host (busybox-static, debootstrap). */
  router.post("/kapsel/images/bootstrap", async (ctx) => {
    const ref = ctx.query.get("ref") || "busybox";
    const out = jsonLines(ctx.res);
    try {
      await out.write({ status: `Bootstrapping ${ref} from the host` });
      const id = ref.startsWith("debian")
        ? await images.bootstrapDebian(
            ref.split(":")[1] || "bookworm",
            ref.includes(":") ? ref : `${ref}:bookworm`,
          )
        : await images.bootstrapBusybox(ref.includes(":") ? ref : `${ref}:latest`);
      await out.write({ status: `Built ${id}` });
      await out.write({ aux: { ID: id } });
    } catch (err) {
      await out.write({ errorDetail: { message: (err as Error).message }, error: (err as Error).message });
    }
    out.end();
  });

  for (const [method, path, what] of [
    ["get", "/images/{name*}/get", "saving images"],
    ["get", "/images/get", "saving images"],
    ["post", "/images/load", "loading images"],
    ["post", "/images/{name*}/push", "pushing images"],
    ["get", "/images/search", "searching a registry"],
    ["post", "/images/prune", "image prune"],
    ["post", "/commit", "commit"],
    ["post", "/build", "building images"],
    ["post", "/build/prune", "builder prune"],
  ] as const) {
    router[method](path, () => {
      throw engine.notImplemented(what);
    });
  }
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, ".");
  return new RegExp(`^(docker\\.io/(library/)?)?${escaped}$`);
}
