import type { ServerResponse } from "node:http";
import { type ErrorKind, KapselError, messageOf } from "../lib/errors.ts";

/** The one place an error kind becomes an HTTP status. */
const statusOf: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  not_modified: 304,
  not_implemented: 501,
  unavailable: 503,
  internal: 500,
};

export function httpStatus(err: unknown): number {
  return err instanceof KapselError ? statusOf[err.kind] : 500;
}

/** Docker's error body: {"message": "..."}; 304 has no body. */
export function sendError(res: ServerResponse, err: unknown): void {
  const status = httpStatus(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 304) {
    res.writeHead(304);
    res.end();
    return;
  }
  const body = JSON.stringify({ message: messageOf(err) });
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(`${body}`);
}
