import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { archiveRoutes } from "../api/archive.ts";
import { buildRoutes } from "../api/build.ts";
import { containerRoutes } from "../api/containers.ts";
import { distributionRoutes } from "../api/distribution.ts";
import { execRoutes } from "../api/exec.ts";
import { imageRoutes } from "../api/images.ts";
import { networkRoutes } from "../api/networks.ts";
import { Router } from "../api/router.ts";
import { searchRoutes } from "../api/search.ts";
import { createApiServer, ENGINE_VERSION, listenUnix } from "../api/server.ts";
import { statsRoutes } from "../api/stats.ts";
import { systemRoutes } from "../api/system.ts";
import { volumeRoutes } from "../api/volumes.ts";
import { Engine, type Logger } from "../engine/engine.ts";
import { findHostTools } from "../engine/host-tools.ts";
import { writeFileAtomic } from "../lib/atomic-file.ts";
import { messageOf } from "../lib/errors.ts";
import { type DaemonConfig, daemonUsage, parseDaemonArgs } from "./config.ts";
import { idleCollector } from "./idle-gc.ts";

const LEVELS = ["debug", "info", "warn", "error", "fatal"];
/** how long a shutdown waits for storage and network to close before exiting anyway */
const SHUTDOWN_LIMIT = 10_000;

function makeLogger(level: string): Logger {
  const min = LEVELS.indexOf(level);
  return (lvl, msg) => {
    if (LEVELS.indexOf(lvl) < min) return;
    process.stderr.write(`time="${new Date().toISOString()}" level=${lvl} msg=${JSON.stringify(msg)}\n`);
  };
}

/** Refuses to start over a live daemon with the same pidfile; a stale pidfile is replaced. */
function takePidfile(path: string): void {
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, "utf8").trim());
    if (pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        throw new Error(`pid file found, ensure kapseld is not running or delete ${path}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
    }
  }
  writeFileAtomic(path, `${process.pid}\n`);
}

function daemonId(dataRoot: string): string {
  const path = join(dataRoot, "engine-id");
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    const id = randomUUID();
    writeFileAtomic(path, id);
    return id;
  }
}

export async function main(argv: string[]): Promise<number> {
  let config: DaemonConfig;
  try {
    const parsed = parseDaemonArgs(argv);
    if (parsed === "help") {
      process.stdout.write(daemonUsage());
      return 0;
    }
    if (parsed === "version") {
      process.stdout.write(`kapseld version ${ENGINE_VERSION}\n`);
      return 0;
    }
    config = parsed;
  } catch (err) {
    process.stderr.write(`kapseld: ${messageOf(err)}\n`);
    return 125;
  }
  const log = makeLogger(config.logLevel);
  const servers: Server[] = [];
  try {
    mkdirSync(config.dataRoot, { recursive: true, mode: 0o711 });
    mkdirSync(config.execRoot, { recursive: true, mode: 0o700 });
    takePidfile(config.pidfile);
    const tools = findHostTools(config.defaultRuntime);
    for (const w of tools.warnings) log("warn", w);
    const engine = await Engine.open(config, tools, log, daemonId(config.dataRoot));
    const router = new Router();
    distributionRoutes(router, engine); // before the placeholders of /auth and push
    systemRoutes(router, engine);
    containerRoutes(router, engine);
    statsRoutes(router, engine);
    execRoutes(router, engine);
    networkRoutes(router, engine);
    volumeRoutes(router, engine);
    archiveRoutes(router, engine);
    buildRoutes(router, engine);
    searchRoutes(router, engine); // before /images/{name}
    imageRoutes(router, engine);
    const idle = idleCollector();
    for (const host of config.hosts) {
      const server = createApiServer({ router, log });
      server.on("request", (_req, res) => {
        idle.activity();
        res.once("close", idle.activity);
      });
      server.on("upgrade", idle.activity);
      if (host.startsWith("unix://")) await listenUnix(server, host.slice("unix://".length));
      else if (host.startsWith("tcp://")) {
        const url = new URL(host);
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(Number(url.port || 2375), url.hostname, () => resolve());
        });
      } else throw new Error(`invalid host: ${host}`);
      servers.push(server);
      log("info", `API listen on ${host}`);
    }
    log(
      "info",
      `kapseld ${ENGINE_VERSION} started (data root ${config.dataRoot}, storage ${engine.storage.driver})`,
    );
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) {
        log("warn", `received ${signal} again, exiting now`);
        process.exit(1);
      }
      stopping = true;
      log("info", `received ${signal}, shutting down; containers keep running under conmon`);
      idle.stop();
      for (const s of servers) {
        s.close();
        s.closeAllConnections();
      }
      // unmounts and veth deletions end in milliseconds; one that hangs (a kernel stuck on a
      // device) must not keep a service manager waiting: the next start settles what is left
      let late: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        engine.close().then(
          () => true,
          () => true,
        ),
        new Promise<false>((r) => (late = setTimeout(() => r(false), SHUTDOWN_LIMIT))),
      ]);
      clearTimeout(late);
      if (!closed)
        log("warn", `shutdown: storage and network not closed after ${SHUTDOWN_LIMIT / 1000} s; exiting`);
      rmSync(config.pidfile, { force: true });
      for (const host of config.hosts) if (host.startsWith("unix://")) rmSync(host.slice(7), { force: true });
      await quietCompilers();
      process.exit(0);
    };
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    process.on("SIGINT", () => void shutdown("SIGINT"));
    process.on("SIGPIPE", () => {});
    // a promise nobody awaited failed: a bug to fix, but not one that should take down the API
    // of every container; the stack goes to the log
    process.on("unhandledRejection", (err) =>
      log("error", `unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    );
    return await new Promise<number>(() => {});
  } catch (err) {
    log("error", `failed to start daemon: ${messageOf(err)}`);
    for (const s of servers) s.close();
    return 1;
  }
}

/**
 * Node 24 can deadlock in process.exit() when a background compile job waits for a garbage
 * collection that the exiting main thread will never run (nodejs/node#54918, #64274). So no new
 * job starts from here, and a turn of the event loop with a collection lets one in flight finish.
 */
async function quietCompilers(): Promise<void> {
  setFlagsFromString("--no-concurrent-recompilation");
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 10));
}
