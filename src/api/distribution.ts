import type { ServerResponse } from "node:http";
import {
  type Distribution,
  decodeAuthHeader,
  type ProgressMessage,
  type RegistryCredentials,
} from "../engine/distribution/index.ts";
import { invalid, messageOf } from "../lib/errors.ts";
import { closeSignal, header, readJson } from "./request.ts";
import { jsonLines } from "./respond.ts";
import type { RouteContext, Router } from "./router.ts";

/**
 * Registry routes: pull (POST /images/create?fromImage=), push (POST /images/{name}/push) and
 * login (POST /auth). Pull and push answer with Docker's JSON progress stream; the response
 * starts with the first progress message, so that what fails before it (a bad name, an
 * unknown repository, refused credentials) is an ordinary error status, and what fails after
 * is an {"errorDetail":…,"error":…} line, as Docker's write-flusher does.
 */
export function distributionRoutes(router: Router, engine: { distribution(): Promise<Distribution> }): void {
  router.post("/images/{name*}/push", async (ctx) => pushRoute(ctx, await engine.distribution()));
  // moby's getDistributionInfo: credentials that do not decode are ignored, as for a search
  router.get("/distribution/{name*}/json", async (ctx) => {
    return (await engine.distribution()).inspect({
      image: ctx.params.name,
      auth: decodeAuthHeader(header(ctx, "x-registry-auth")),
      signal: closeSignal(ctx),
    });
  });
  router.post("/auth", async (ctx) => {
    const body = await readJson<RegistryCredentials>(ctx.req, {});
    if (typeof body !== "object" || body === null) throw invalid("invalid auth configuration");
    return (await engine.distribution()).login(body);
  });
}

/**
 * POST /images/create with fromImage (the images routes hand pulls over to this):
 * fromImage, tag (a tag or a digest), platform; credentials in X-Registry-Auth.
 */
export async function pullRoute(ctx: RouteContext, distribution: Distribution): Promise<undefined> {
  const image = ctx.query.get("fromImage") ?? "";
  if (!image) throw invalid("image name is required");
  const out = progressStream(ctx.res);
  await out.run((progress, signal) =>
    distribution.pull({
      image,
      tag: ctx.query.get("tag") || undefined,
      platform: ctx.version >= 1.32 ? ctx.query.get("platform") || undefined : undefined,
      auth: decodeAuthHeader(header(ctx, "x-registry-auth")),
      progress,
      signal,
    }),
  );
  return undefined;
}

async function pushRoute(ctx: RouteContext, distribution: Distribution): Promise<undefined> {
  const out = progressStream(ctx.res);
  await out.run((progress, signal) =>
    distribution.push({
      image: ctx.params.name,
      tag: ctx.query.get("tag") || undefined,
      // JSON of an OCI platform (docker push --platform); older versions never send it
      platform: ctx.version >= 1.46 ? ctx.query.get("platform") || undefined : undefined,
      auth: decodeAuthHeader(header(ctx, "x-registry-auth")),
      progress,
      signal,
    }),
  );
  return undefined;
}

/**
 * A progress stream that opens on its first message. `run` throws what fails before that
 * message (for the server to answer with a status) and writes the rest as an error line.
 */
function progressStream(res: ServerResponse) {
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  let lines: ReturnType<typeof jsonLines> | undefined;
  const progress = (m: ProgressMessage) => {
    lines ??= jsonLines(res);
    void lines.write(m);
  };
  return {
    async run(work: (progress: (m: ProgressMessage) => void, signal: AbortSignal) => Promise<void>) {
      try {
        await work(progress, abort.signal);
      } catch (err) {
        if (!lines) throw err;
        const message = messageOf(err);
        await lines.write({ errorDetail: { message }, error: message });
      }
      lines?.end();
    },
  };
}
