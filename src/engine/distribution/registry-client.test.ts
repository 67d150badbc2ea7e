import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { readBody } from "./http-transport.ts";
import { RegistryClient } from "./registry-client.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A fake registry on 127.0.0.1 whose answers each test sets. */
describe("RegistryClient against a fake registry", () => {
  let server: Server;
  let port = 0;
  let handler: Handler = (_req, res) => res.end();
  const base = () => `127.0.0.1:${port}`;
  const endpoints = () => [
    { url: new URL(`https://${base()}`), tlsVerify: false, mirror: false },
    { url: new URL(`http://${base()}`), tlsVerify: false, mirror: false },
  ];

  before(async () => {
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test("falls back from https to plain http, and sends Basic credentials when challenged", async () => {
    const seen: string[] = [];
    handler = (req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? "-"}`);
      if (req.headers.authorization !== `Basic ${Buffer.from("u:p").toString("base64")}`) {
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="r"' });
        return res.end();
      }
      res.end("{}");
    };
    const c = new RegistryClient(`${base()}`, endpoints(), { username: "u", password: "p" });
    await c.connect();
    assert.equal(c.endpoint.url.protocol, "http:");
    const res = await c.request("GET", "/v2/x/tags/list");
    assert.equal((await readBody(res)).toString(), "{}");
    assert.equal(seen.at(-1), `GET /v2/x/tags/list Basic ${Buffer.from("u:p").toString("base64")}`);
  });

  test("gets a Bearer token for the scopes asked, reuses it, and renews it once when refused", async () => {
    const tokenRequests: URL[] = [];
    let valid = "t1";
    handler = (req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/token") {
        tokenRequests.push(url);
        res.writeHead(200, { "Content-Type": "application/json" });
        return res.end(JSON.stringify({ token: valid, expires_in: 300 }));
      }
      if (req.headers.authorization !== `Bearer ${valid}`) {
        res.writeHead(401, {
          "WWW-Authenticate": `Bearer realm="http://${base()}/token",service="svc",scope="repository:x:pull"`,
        });
        return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      }
      res.end("ok");
    };
    const c = new RegistryClient(base(), endpoints(), { username: "u", password: "p" });
    await c.connect();
    for (let i = 0; i < 2; i++)
      (await c.request("GET", "/v2/x/manifests/1", { scopes: ["repository:x:pull"] })).resume();
    assert.equal(tokenRequests.length, 1);
    assert.equal(tokenRequests[0].searchParams.get("service"), "svc");
    assert.deepEqual(tokenRequests[0].searchParams.getAll("scope"), ["repository:x:pull"]);
    assert.equal(tokenRequests[0].searchParams.get("account"), "u");
    valid = "t2"; // the registry no longer takes t1
    const res = await c.request("GET", "/v2/x/manifests/1", { scopes: ["repository:x:pull"] });
    assert.equal((await readBody(res)).toString(), "ok");
    assert.equal(tokenRequests.length, 2);
  });

  test("a refused request is the registry's error, in docker/distribution's words", async () => {
    handler = (req, res) => {
      if (req.url === "/v2/") return res.end();
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
    };
    const c = new RegistryClient(base(), endpoints(), {});
    await c.connect();
    await assert.rejects(c.request("GET", "/v2/nope/manifests/1"), {
      message: "name unknown: repository name not known to registry",
    });
  });

  test("a registry that stops sending fails after the idle timeout", async () => {
    handler = (req, res) => {
      if (req.url === "/v2/") return res.end();
      res.writeHead(200, { "Content-Length": "100" });
      res.write("x"); // then nothing
    };
    const c = new RegistryClient(base(), endpoints(), {}, { idleTimeout: 200 });
    await c.connect();
    const res = await c.request("GET", "/v2/x/blobs/sha256:1");
    await assert.rejects(readBody(res), /timeout awaiting response/);
  });

  test("a registry that is down reads like Go's dial error", async () => {
    const down = [{ url: new URL("http://127.0.0.1:9"), tlsVerify: false, mirror: false }];
    const c = new RegistryClient("127.0.0.1:9", down, {});
    await assert.rejects(c.connect(), {
      message: 'Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
    });
  });
});
