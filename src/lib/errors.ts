/**
 * Error kinds shared by every layer. The engine throws these; only src/api/errors.ts maps a
 * kind to an HTTP status, and src/client maps the status back. Match on `kind`, not on text.
 */
export type ErrorKind =
  | "invalid" // a client's mistake: 400
  | "unauthorized" // 401
  | "forbidden" // 403
  | "not_found" // 404
  | "conflict" // 409
  | "not_modified" // 304
  | "not_implemented" // 501
  | "unavailable" // 503
  | "internal"; // 500

export class KapselError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = "KapselError";
  }
}

export const invalid = (msg: string, cause?: unknown) => new KapselError("invalid", msg, { cause });
export const notFound = (msg: string, cause?: unknown) => new KapselError("not_found", msg, { cause });
export const conflict = (msg: string, cause?: unknown) => new KapselError("conflict", msg, { cause });
export const notModified = (msg = "") => new KapselError("not_modified", msg);
export const notImplemented = (msg: string) => new KapselError("not_implemented", msg);
export const unavailable = (msg: string, cause?: unknown) => new KapselError("unavailable", msg, { cause });
export const internal = (msg: string, cause?: unknown) => new KapselError("internal", msg, { cause });

export function isKind(err: unknown, kind: ErrorKind): boolean {
  return err instanceof KapselError && err.kind === kind;
}

/** The message of any thrown value, for logs and error bodies. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
