import { setTimeout as sleep } from "node:timers/promises";
import { internal, isKind, KapselError, messageOf, notFound } from "../../lib/errors.ts";
import { PluginClient } from "./plugin-client.ts";
import { findPlugin, type PluginDirs } from "./plugin-discovery.ts";

/** moby volume/drivers/proxy.go: long for Create and Mount, short for the rest. */
const LONG = 120_000;
const SHORT = 60_000;

/** A volume as a plugin describes it (VolumeDriver.Get, .List). */
export interface PluginVolume {
  Name: string;
  Mountpoint?: string;
  CreatedAt?: string;
  Status?: Record<string, unknown>;
}

/** Every VolumeDriver answer carries Err; a non-empty one is the call's error, as Docker's proxy. */
function check<T extends { Err?: string }>(ret: T): T {
  if (ret?.Err) throw internal(ret.Err);
  return ret;
}

/**
 * A legacy (v1) volume plugin, Docker's volumeDriverAdapter over its proxy: found by name in
 * the plugin folders, activated once (Plugin.Activate must list "VolumeDriver"), then
 * VolumeDriver.* calls. The scope comes from VolumeDriver.Capabilities, "local" when the
 * plugin does not say or says something else (as Docker).
 */
export class VolumePluginDriver {
  readonly name: string;
  #client: PluginClient;
  #scope: "local" | "global" | undefined;

  private constructor(name: string, client: PluginClient) {
    this.name = name;
    this.#client = client;
  }

  /**
   * Finds and activates the plugin, waiting up to `waitMs` for its socket or spec to appear
   * and for it to answer. Errors read as Docker's plugin getter's: `plugin "x" not found`
   * (not_found), `legacy plugin: ...` otherwise.
   */
  static async activate(name: string, dirs: PluginDirs, waitMs: number): Promise<VolumePluginDriver> {
    const deadline = Date.now() + waitMs;
    let addr = findPlugin(name, dirs);
    for (let delay = 100; !addr && Date.now() + delay < deadline; delay = Math.min(delay * 2, 1000)) {
      await sleep(delay);
      addr = findPlugin(name, dirs);
    }
    if (!addr) throw notFound(`plugin ${JSON.stringify(name)} not found`);
    const client = new PluginClient(addr, Math.max(0, deadline - Date.now()));
    let manifest: { Implements?: string[] };
    try {
      manifest = await client.call("Plugin.Activate", undefined, SHORT);
    } catch (err) {
      throw new KapselError((err as KapselError).kind ?? "internal", `legacy plugin: ${messageOf(err)}`, {
        cause: err,
      });
    }
    if (!manifest.Implements?.includes("VolumeDriver"))
      throw internal(
        `legacy plugin: Plugin does not implement the requested driver: plugin=${JSON.stringify(name)}, requested implementation="VolumeDriver"`,
      );
    return new VolumePluginDriver(name, client);
  }

  async create(name: string, opts: Record<string, string>): Promise<void> {
    check(await this.#client.call<{ Err?: string }>("VolumeDriver.Create", { Name: name, Opts: opts }, LONG));
  }

  async remove(name: string): Promise<void> {
    check(await this.#client.call<{ Err?: string }>("VolumeDriver.Remove", { Name: name }, SHORT));
  }

  async mount(name: string, id: string): Promise<string> {
    const ret = check(
      await this.#client.call<{ Mountpoint?: string; Err?: string }>(
        "VolumeDriver.Mount",
        { Name: name, ID: id },
        LONG,
      ),
    );
    return ret.Mountpoint ?? "";
  }

  /** The mountpoint of a volume the plugin has mounted. */
  async path(name: string): Promise<string> {
    const ret = check(
      await this.#client.call<{ Mountpoint?: string; Err?: string }>(
        "VolumeDriver.Path",
        { Name: name },
        SHORT,
      ),
    );
    return ret.Mountpoint ?? "";
  }

  async unmount(name: string, id: string): Promise<void> {
    check(await this.#client.call<{ Err?: string }>("VolumeDriver.Unmount", { Name: name, ID: id }, SHORT));
  }

  /**
   * The plugin's view of one volume; undefined when it does not know it (an Err, or no
   * Volume). Only failures to reach the plugin throw (moby service/store.go lookupVolume).
   */
  async get(name: string): Promise<PluginVolume | undefined> {
    try {
      const ret = check(
        await this.#client.call<{ Volume?: PluginVolume | null; Err?: string }>(
          "VolumeDriver.Get",
          { Name: name },
          SHORT,
        ),
      );
      return ret.Volume ?? undefined;
    } catch (err) {
      if (isKind(err, "unavailable")) throw err;
      return undefined;
    }
  }

  async list(): Promise<PluginVolume[]> {
    const ret = check(
      await this.#client.call<{ Volumes?: PluginVolume[] | null; Err?: string }>(
        "VolumeDriver.List",
        {},
        SHORT,
      ),
    );
    return ret.Volumes ?? [];
  }

  async scope(): Promise<"local" | "global"> {
    if (this.#scope) return this.#scope;
    let scope: string | undefined;
    try {
      const ret = await this.#client.call<{ Capabilities?: { Scope?: string } }>(
        "VolumeDriver.Capabilities",
        {},
        SHORT,
      );
      scope = ret.Capabilities?.Scope?.toLowerCase();
    } catch {
      return "local"; // Capabilities is optional; not cached, as Docker
    }
    this.#scope = scope === "global" ? "global" : "local";
    return this.#scope;
  }
}
