import { randomBytes } from "node:crypto";

/** A 64-hex-digit id, as Docker's container and exec ids. */
export function newId(): string {
  return randomBytes(32).toString("hex");
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
