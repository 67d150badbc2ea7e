import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { createSign, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";

export const REGISTRY_BIN = "/usr/bin/docker-registry";
export const SKOPEO_BIN = "/usr/bin/skopeo";

/** The one user of the authenticated registries, and a bcrypt line for htpasswd (cost 5, fast). */
export const USER = "kapsel";
export const PASSWORD = "s3cret-pass";
const HTPASSWD = `${USER}:$2b$05$NFC42K90SFVWxzZt2Fh2KeSEAdBtcNf0Z691jplOj3P4iqeTx8AGy\n`;

export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export type RegistryAuth = "none" | "htpasswd" | "token";

/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1:<free port>, with its storage in a
 * temp dir: without auth, with htpasswd basic auth, or with token auth, for which a small
 * token issuer runs in this process (RS256 tokens, its certificate made by openssl and named
 * in the registry's rootcertbundle). `await using` stops both and removes the dir.
 */
export class TestRegistry {
  readonly dir: string;
  readonly auth: RegistryAuth;
  port = 0;
  process?: ChildProcess;
  tokenServer?: Server;
  tokenPort = 0;
  log = "";
  /** token requests seen, for tests that check scopes */
  tokenRequests: Array<{ scope: string[]; account?: string; basic: boolean; grant?: string }> = [];
  /** refresh tokens the issuer handed out */
  readonly refreshTokens = new Set<string>();
  #key = "";
  #certDer = "";

  constructor(auth: RegistryAuth) {
    this.auth = auth;
    this.dir = mkdtempSync("/tmp/kreg-");
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(auth: RegistryAuth = "none"): Promise<TestRegistry> {
    const r = new TestRegistry(auth);
    try {
      await r.#start();
    } catch (err) {
      await r[Symbol.asyncDispose]();
      throw err;
    }
    return r;
  }

  async #start(): Promise<void> {
    this.port = await freePort();
    let authYaml = "";
    if (this.auth === "htpasswd") {
      writeFileSync(join(this.dir, "htpasswd"), HTPASSWD);
      authYaml = `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${join(this.dir, "htpasswd")}\n`;
    } else if (this.auth === "token") {
      await this.#startTokenServer();
      authYaml = `auth:\n  token:\n    realm: http://127.0.0.1:${this.tokenPort}/token\n    service: kapsel-test-registry\n    issuer: kapsel-test-issuer\n    rootcertbundle: ${join(this.dir, "cert.pem")}\n`;
    }
    const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(this.dir, "storage")}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${this.port}
${authYaml}`;
    writeFileSync(join(this.dir, "config.yml"), config);
    const child = spawn(REGISTRY_BIN, ["serve", join(this.dir, "config.yml")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.process = child;
    child.stdout?.on("data", (d) => (this.log += d));
    child.stderr?.on("data", (d) => (this.log += d));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}:\n${this.log}`);
      const status = await httpStatus(`http://${this.host}/v2/`).catch(() => 0);
      if (status === 200 || status === 401) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer within 10 s:\n${this.log}`);
  }

  async #startTokenServer(): Promise<void> {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(this.dir, "key.pem"),
        "-out",
        join(this.dir, "cert.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=kapsel-test-issuer",
      ],
      { stdio: "ignore" },
    );
    this.#key = readFileSync(join(this.dir, "key.pem"), "utf8");
    this.#certDer = readFileSync(join(this.dir, "cert.pem"), "utf8")
      .replace(/-----(BEGIN|END) CERTIFICATE-----/g, "")
      .replace(/\s+/g, "");
    this.tokenPort = await freePort();
    this.tokenServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () =>
        this.#answerToken(
          req.method ?? "GET",
          req.url ?? "/",
          req.headers.authorization,
          Buffer.concat(chunks).toString(),
          res,
        ),
      );
    });
    await new Promise<void>((r) => this.tokenServer!.listen(this.tokenPort, "127.0.0.1", r));
  }

  /**
   * The issuer: anonymous callers may pull anything; the user (Basic auth or a refresh token it
   * handed out) may pull and push. Wrong credentials get 401.
   */
  #answerToken(
    method: string,
    url: string,
    authorization: string | undefined,
    body: string,
    res: import("node:http").ServerResponse,
  ): void {
    const q = method === "POST" ? new URLSearchParams(body) : new URL(url, "http://x").searchParams;
    const scopes = method === "POST" ? (q.get("scope") ?? "").split(" ").filter(Boolean) : q.getAll("scope");
    let user: string | undefined;
    const basic = authorization?.startsWith("Basic ") ?? false;
    if (basic) {
      const [u, p] = Buffer.from(authorization!.slice(6), "base64").toString().split(":");
      if (u !== USER || p !== PASSWORD) {
        res.writeHead(401, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ details: "invalid username or password" }));
        return;
      }
      user = u;
    }
    if (method === "POST" && q.get("grant_type") === "refresh_token") {
      if (!this.refreshTokens.has(q.get("refresh_token") ?? "")) {
        res.writeHead(401, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ details: "invalid refresh token" }));
        return;
      }
      user = USER;
    }
    this.tokenRequests.push({
      scope: scopes,
      account: q.get("account") ?? undefined,
      basic,
      grant: q.get("grant_type") ?? undefined,
    });
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(":");
      const actions = rest.pop()!.split(",");
      return {
        type,
        name: rest.join(":"),
        actions: actions.filter((a) => a === "pull" || (user && a === "push")),
      };
    });
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: "kapsel-test-issuer",
      sub: user ?? "",
      aud: "kapsel-test-registry",
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const signingInput = `${b64({ typ: "JWT", alg: "RS256", x5c: [this.#certDer] })}.${b64(claims)}`;
    const signature = createSign("RSA-SHA256").update(signingInput).sign(this.#key).toString("base64url");
    const token = `${signingInput}.${signature}`;
    const answer: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: 300,
      issued_at: new Date().toISOString(),
    };
    if (user && (q.get("offline_token") === "true" || q.get("access_type") === "offline")) {
      const refresh = randomUUID();
      this.refreshTokens.add(refresh);
      answer.refresh_token = refresh;
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(answer));
  }

  /**
   * Runs skopeo (asynchronously: the token issuer answers from this process, so blocking it
   * would hang skopeo).
   */
  skopeo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(SKOPEO_BIN, args, { encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  /** Copies an image in (skopeo's `transport:ref` → `<this>/name`), with the test user's credentials. */
  async copyIn(source: string, name: string): Promise<void> {
    const r = await this.skopeo([
      "copy",
      "--dest-tls-verify=false",
      "--dest-creds",
      `${USER}:${PASSWORD}`,
      source,
      `docker://${this.host}/${name}`,
    ]);
    if (r.code !== 0) throw new Error(`skopeo copy ${source} ${name}: ${r.stderr}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    if (this.tokenServer) await new Promise((r) => this.tokenServer!.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}
