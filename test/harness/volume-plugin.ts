import { existsSync, mkdirSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

/** A call the plugin received: the method (VolumeDriver.Mount) and its JSON body. */
export interface PluginCall {
  method: string;
  body: unknown;
}

export interface TestVolumePlugin extends AsyncDisposable {
  name: string;
  socketPath: string;
  calls: PluginCall[];
  close(): Promise<void>;
}

/**
 * A legacy (v1) volume plugin speaking Docker's protocol on <dir>/<name>.sock, for tests: each
 * volume is a folder <dataDir>/<volume>, which is also its Mountpoint. Folders already in
 * dataDir are its volumes, so a restarted plugin keeps them. Create with Opts {fail: "msg"}
 * answers that Err, to test error paths. Mount IDs are counted per volume, and Get reports
 * them as Status.mounts. `await using` closes it and removes the socket (dataDir stays).
 */
export async function startVolumePlugin(o: {
  name: string;
  dir: string;
  dataDir: string;
}): Promise<TestVolumePlugin> {
  mkdirSync(o.dir, { recursive: true });
  mkdirSync(o.dataDir, { recursive: true });
  const socketPath = join(o.dir, `${o.name}.sock`);
  const calls: PluginCall[] = [];
  const mounts = new Map<string, Set<string>>();
  const has = (name: string) => typeof name === "string" && name !== "" && existsSync(join(o.dataDir, name));
  const volume = (name: string) => ({
    Name: name,
    Mountpoint: join(o.dataDir, name),
    Status: { mounts: mounts.get(name)?.size ?? 0 },
  });

  const handlers: Record<
    string,
    (b: { Name: string; ID?: string; Opts?: Record<string, string> }) => unknown
  > = {
    "Plugin.Activate": () => ({ Implements: ["VolumeDriver"] }),
    "VolumeDriver.Capabilities": () => ({ Capabilities: { Scope: "local" } }),
    "VolumeDriver.Create": (b) => {
      if (b.Opts?.fail) return { Err: b.Opts.fail };
      mkdirSync(join(o.dataDir, b.Name), { recursive: true });
      return { Err: "" };
    },
    "VolumeDriver.Remove": (b) => {
      if (!has(b.Name)) return { Err: `no such volume: ${b.Name}` };
      if ((mounts.get(b.Name)?.size ?? 0) > 0) return { Err: `volume ${b.Name} is mounted` };
      rmSync(join(o.dataDir, b.Name), { recursive: true, force: true });
      return { Err: "" };
    },
    "VolumeDriver.Mount": (b) => {
      if (!has(b.Name)) return { Err: `no such volume: ${b.Name}` };
      if (!mounts.has(b.Name)) mounts.set(b.Name, new Set());
      mounts.get(b.Name)!.add(b.ID ?? "");
      return { Mountpoint: join(o.dataDir, b.Name), Err: "" };
    },
    "VolumeDriver.Unmount": (b) => {
      mounts.get(b.Name)?.delete(b.ID ?? "");
      return { Err: "" };
    },
    "VolumeDriver.Path": (b) =>
      has(b.Name) ? { Mountpoint: join(o.dataDir, b.Name), Err: "" } : { Err: "no such volume" },
    "VolumeDriver.Get": (b) =>
      has(b.Name) ? { Volume: volume(b.Name), Err: "" } : { Err: `no such volume: ${b.Name}` },
    "VolumeDriver.List": () => ({ Volumes: readdirSync(o.dataDir).map(volume), Err: "" }),
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const method = (req.url ?? "/").slice(1);
      const text = Buffer.concat(chunks).toString();
      let body: unknown = null;
      try {
        body = text.trim() ? JSON.parse(text) : null;
      } catch {}
      calls.push({ method, body });
      const handler = handlers[method];
      res.setHeader("Content-Type", "application/vnd.docker.plugins.v1+json");
      if (!handler) {
        res.statusCode = 404;
        res.end(JSON.stringify({ Err: `unknown method ${method}` }));
        return;
      }
      res.end(JSON.stringify(handler((body ?? {}) as { Name: string })));
    });
  });
  if (existsSync(socketPath)) unlinkSync(socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, resolve);
  });

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    try {
      unlinkSync(socketPath);
    } catch {}
  };
  return { name: o.name, socketPath, calls, close, [Symbol.asyncDispose]: close };
}
