import { existsSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import type { TestDaemon } from "./harness/daemon.ts";

/**
 * Helpers for the networking suites. Traffic goes only to 127.0.0.1 and ::1 (published ports) or
 * to the test daemon's own 10.213.x addresses; `get` refuses anything else, whatever a test passes.
 */

/** A busybox httpd serving `text` at /index.html on port 80 (run with -d). */
export const HTTPD = (text: string) => [
  "sh",
  "-c",
  `mkdir -p /www && echo ${text} > /www/index.html && exec busybox httpd -f -p 80 -h /www`,
];

/** An HTTP GET; resolves the status and body, or rejects (connection refused, timeout). */
export function get(
  host: string,
  port: number,
  path = "/index.html",
  timeoutMs = 3000,
): Promise<{ status: number; body: string }> {
  if (host !== "127.0.0.1" && host !== "::1" && !host.startsWith("10.213."))
    throw new Error(`test traffic must stay local: ${host}`);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: timeoutMs, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** GETs until the server answers (a detached httpd needs a moment to listen). */
export async function getWhenUp(
  host: string,
  port: number,
  path?: string,
): Promise<{ status: number; body: string }> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      return await get(host, port, path, 1000);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw last;
}

/** A port no one listens on right now (the kernel's pick, then released). */
export async function freePort(): Promise<number> {
  const server = await holdPort(0);
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Listens on 127.0.0.1:port (0: any) until closed: a "program" that has the port. */
export function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((c) => c.destroy());
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port }, () => resolve(server));
  });
}

/** The host ends of veths on the daemon's default bridge. */
export function bridgePorts(d: TestDaemon, bridge = d.network.bridge): string[] {
  const dir = `/sys/class/net/${bridge}/brif`;
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Network namespaces the daemon has bound under its exec root. */
export function netnsFiles(d: TestDaemon): string[] {
  const dir = join(d.execRoot, "network", "netns");
  return existsSync(dir) ? readdirSync(dir) : [];
}
