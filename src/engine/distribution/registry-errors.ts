import { type ErrorKind, KapselError } from "../../lib/errors.ts";

/**
 * Errors of the registry API ({"errors":[{"code":"MANIFEST_UNKNOWN","message":...}]}) in the
 * words Docker uses for them: docker/distribution's errcode ("manifest unknown: manifest
 * unknown") and moby's translatePullError ("manifest for x:1 not found: ..."). Clients and
 * users parse these, so the wording follows theirs.
 */
export interface RegistryErrorBody {
  code: string;
  message?: string;
}

/** A registry's error answer: its status and the first errcode it gave, if any. */
export class RegistryError extends KapselError {
  readonly status: number;
  readonly code?: string;
  constructor(kind: ErrorKind, message: string, status: number, code?: string) {
    super(kind, message);
    this.status = status;
    this.code = code;
  }
}

/** errcode's Error(): the code, lowercase with spaces, then the registry's message. */
export function errcodeText(e: RegistryErrorBody): string {
  const code = e.code.toLowerCase().replace(/_/g, " ");
  return `${code}: ${e.message ?? defaultMessage(e.code)}`;
}

function defaultMessage(code: string): string {
  const known: Record<string, string> = {
    UNAUTHORIZED: "authentication required",
    DENIED: "requested access to the resource is denied",
    MANIFEST_UNKNOWN: "manifest unknown",
    NAME_UNKNOWN: "repository name not known to registry",
    BLOB_UNKNOWN: "blob unknown to registry",
    TOOMANYREQUESTS: "too many requests",
    UNSUPPORTED: "The operation is unsupported.",
  };
  return known[code] ?? code.toLowerCase();
}

/** The first errcode of a registry's JSON error body, or undefined when it is not one. */
export function parseErrorBody(text: string): RegistryErrorBody | undefined {
  try {
    const body = JSON.parse(text) as { errors?: RegistryErrorBody[] };
    const first = body.errors?.[0];
    return first && typeof first.code === "string" ? first : undefined;
  } catch {
    return undefined;
  }
}

function detailsOf(text: string): string | undefined {
  try {
    const d = (JSON.parse(text) as { details?: unknown }).details;
    return typeof d === "string" && d !== "" ? d : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A registry's non-success answer as an error. `bearerError` is the `error` parameter of a
 * Bearer challenge (RFC 6750), which tells invalid_token from insufficient_scope.
 */
export function registryError(
  status: number,
  statusText: string,
  bodyText: string,
  bearerError?: { error: string; description?: string },
): RegistryError {
  // the challenge's OAuth error comes first, as in distribution's HandleErrorResponse
  let e: RegistryErrorBody | undefined;
  if (bearerError?.error === "invalid_token")
    e = { code: "UNAUTHORIZED", message: bearerError.description || "authentication required" };
  else if (bearerError?.error === "insufficient_scope")
    e = { code: "DENIED", message: bearerError.description || "requested access to the resource is denied" };
  e ??= parseErrorBody(bodyText);
  // the older form some token servers use: {"details": "…"}
  if (!e) {
    const details = detailsOf(bodyText);
    if (details)
      e = {
        code: status === 401 ? "UNAUTHORIZED" : status === 429 ? "TOOMANYREQUESTS" : "UNKNOWN",
        message: details,
      };
  }
  if (!e && status === 401) e = { code: "UNAUTHORIZED", message: "authentication required" };
  if (e) {
    const kind: ErrorKind =
      e.code === "UNAUTHORIZED"
        ? "unauthorized"
        : e.code === "DENIED"
          ? "forbidden"
          : status === 404
            ? "not_found"
            : status === 429
              ? "unavailable"
              : "internal";
    return new RegistryError(kind, errcodeText(e), status, e.code);
  }
  // distribution's UnexpectedHTTPStatusError (5xx) and UnexpectedHTTPResponseError (4xx)
  const message =
    status >= 500 || status < 400
      ? `received unexpected HTTP status: ${status} ${statusText}`
      : `error parsing HTTP ${status} response body: ${
          bodyText.trim() === ""
            ? "unexpected end of JSON input"
            : "invalid character looking for beginning of value"
        }: ${JSON.stringify(bodyText.slice(0, 200))}`;
  return new RegistryError(status === 404 ? "not_found" : "internal", message, status);
}

/**
 * moby's notFoundError: what `docker pull` says when a registry has no such repository or
 * tag, or will not say which.
 */
export function pullNotFound(err: RegistryError, familiarName: string, familiarRef: string): KapselError {
  switch (err.code) {
    case "DENIED":
      return new KapselError(
        "not_found",
        `pull access denied for ${familiarName}, repository does not exist or may require 'docker login': ${err.message}`,
      );
    case "MANIFEST_UNKNOWN":
      return new KapselError("not_found", `manifest for ${familiarRef} not found: ${err.message}`);
    case "NAME_UNKNOWN":
      return new KapselError("not_found", `repository ${familiarName} not found: ${err.message}`);
  }
  return err;
}
