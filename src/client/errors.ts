import { type ErrorKind, isKind, KapselError } from "../lib/errors.ts";

/**
 * An error status from the daemon, mapped back to its kind. `message` is the daemon's own
 * text (its JSON `message`); the CLI prints it as "Error response from daemon: <message>",
 * as Docker's client does.
 */
export class DaemonError extends KapselError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(kindOfStatus(status), message);
    this.name = "DaemonError";
    this.status = status;
  }
}

/** The daemon could not be reached at all (no socket, refused, reset before a response). */
export class ConnectionError extends KapselError {
  readonly host: string;
  constructor(host: string, cause: unknown) {
    const denied = (cause as NodeJS.ErrnoException | undefined)?.code === "EACCES";
    super(
      "unavailable",
      denied
        ? `permission denied while trying to connect to the kapsel daemon socket at ${host}`
        : `Cannot connect to the kapsel daemon at ${host}. Is the kapsel daemon running?`,
      { cause },
    );
    this.name = "ConnectionError";
    this.host = host;
  }
}

export function kindOfStatus(status: number): ErrorKind {
  switch (status) {
    case 400:
      return "invalid";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 304:
      return "not_modified";
    case 501:
      return "not_implemented";
    case 503:
      return "unavailable";
    default:
      return status >= 400 && status < 500 ? "invalid" : "internal";
  }
}

/** The daemon's message from an error body: {"message": ...}, else the text, else the status. */
export function messageOfBody(status: number, body: string): string {
  const text = body.trim();
  if (text.startsWith("{")) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === "string") return parsed.message;
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  if (text !== "") return text;
  return status === 404 ? "page not found" : `HTTP status ${status}`;
}

export const isNotFound = (err: unknown): boolean => isKind(err, "not_found");
export const isConflict = (err: unknown): boolean => isKind(err, "conflict");
