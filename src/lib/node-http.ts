import type * as Http from "node:http";
import type * as Https from "node:https";

// Not `import ... from "node:http"`: its ESM facade reads every export, and http's lazy
// WebSocket getters then load undici (a 760 KB script, with tls, http2 and zlib), about 20 MB
// of memory in kapseld and 15 ms on every CLI start. The CommonJS objects load only what is used.

/** node:http, without undici. */
export const nodeHttp = process.getBuiltinModule("node:http") as typeof Http;

/** node:https (and with it tls), loaded the first time something speaks TLS. */
export function nodeHttps(): typeof Https {
  return process.getBuiltinModule("node:https") as typeof Https;
}
