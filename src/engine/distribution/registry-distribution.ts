import { posix } from "node:path";
import { KapselError } from "../../lib/errors.ts";
import { hostArchitecture } from "../../lib/host-arch.ts";
import { BlobStore } from "./blob-store.ts";
import type { DistributionContext } from "./context.ts";
import { registryDomain, resolveCredentials } from "./credentials.ts";
import { endpointsFor } from "./endpoints.ts";
import type {
  Distribution,
  DistributionOptions,
  PullOptions,
  PushOptions,
  RegistryCredentials,
} from "./index.ts";
import { type DistributionInspect, inspectDistribution } from "./inspect.ts";
import { pullImage } from "./pull.ts";
import { pushImage } from "./push.ts";
import { RegistryClient } from "./registry-client.ts";
import { type SearchOptions, type SearchResult, searchRegistry } from "./search.ts";

/** The Distribution contract (see index.ts) over the blob store and registry clients. */
export class RegistryDistribution implements Distribution {
  readonly #ctx: DistributionContext;
  #pruning: Promise<void> = Promise.resolve();

  private constructor(ctx: DistributionContext) {
    this.#ctx = ctx;
  }

  static async open(opts: DistributionOptions): Promise<RegistryDistribution> {
    const ctx: DistributionContext = {
      images: opts.images,
      storage: opts.storage,
      blobs: new BlobStore(posix.resolve(opts.root)),
      events: opts.events,
      endpoints: {
        insecureRegistries: opts.insecureRegistries ?? [],
        registryMirrors: opts.registryMirrors ?? [],
      },
      authFile: opts.authFile,
      idleTimeout: opts.idleTimeout,
      retryDelays: opts.retryDelays ?? [1000, 2000],
      uploadChunkSize: opts.uploadChunkSize ?? 512 * 1024 * 1024,
      hostArch: hostArchitecture(),
    };
    const d = new RegistryDistribution(ctx);
    // compressed layers follow their images out
    opts.events?.subscribe((e) => {
      if (e.Type === "image" && e.Action === "delete") void d.prune();
    });
    await d.prune();
    return d;
  }

  pull(o: PullOptions): Promise<void> {
    return pullImage(this.#ctx, o);
  }

  push(o: PushOptions): Promise<void> {
    return pushImage(this.#ctx, o);
  }

  async login(auth: RegistryCredentials): Promise<{ Status: string; IdentityToken?: string }> {
    const domain = registryDomain(auth.serveraddress);
    const endpoints = await endpointsFor(domain, this.#ctx.endpoints, { pull: false });
    const creds = resolveCredentials(domain, auth);
    let last: unknown;
    for (const e of endpoints) {
      const client = new RegistryClient(domain, [e], creds, this.#ctx);
      try {
        await client.ping(e);
        const token = await client.login();
        return { Status: "Login Succeeded", ...(token ? { IdentityToken: token } : {}) };
      } catch (err) {
        // refused credentials end it; an endpoint that does not answer gives way to the next
        if (err instanceof KapselError && (err.kind === "unauthorized" || err.kind === "forbidden"))
          throw err;
        last = err;
      }
    }
    throw last;
  }

  search(o: SearchOptions): Promise<SearchResult[]> {
    return searchRegistry(this.#ctx, o);
  }

  inspect(o: Parameters<Distribution["inspect"]>[0]): Promise<DistributionInspect> {
    return inspectDistribution(this.#ctx, o);
  }

  prune(): Promise<void> {
    // one at a time; a failed prune does not stop the next
    this.#pruning = this.#pruning
      .catch(() => {})
      .then(async () => {
        const images = this.#ctx.images.list();
        const used = new Set(images.flatMap((i) => i.config.rootfs?.diff_ids ?? []));
        await this.#ctx.blobs.prune(used, new Set(images.map((i) => i.id)));
      });
    return this.#pruning;
  }
}
