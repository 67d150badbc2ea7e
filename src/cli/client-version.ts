import { API_VERSION } from "../client/index.ts";
import { hostArchitecture } from "../lib/host-arch.ts";
import { omitEmpty } from "./format/go-json.ts";
import { goTypedStruct } from "./format/go-print.ts";

/** The client half of `version` and `info`, with Docker's field names (GoVersion holds Node's). */
export interface ClientVersion {
  Version: string;
  ApiVersion: string;
  DefaultAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  BuildTime: string;
  Context: string;
}

export async function clientVersion(): Promise<ClientVersion> {
  const pkg = await import("../../package.json", { with: { type: "json" } });
  return {
    Version: (pkg.default as { version: string }).version,
    ApiVersion: API_VERSION,
    DefaultAPIVersion: API_VERSION,
    GitCommit: "",
    GoVersion: `node${process.versions.node}`,
    Os: process.platform,
    Arch: hostArchitecture(),
    BuildTime: "",
    Context: "default",
  };
}

/**
 * docker's clientVersion as templates see it (Go names: `{{.APIVersion}}`; `Platform` a nil
 * pointer) and as encoding/json writes it (`ApiVersion`, empty fields left out).
 */
export function clientVersionFields(c: ClientVersion, apiVersion: string = c.ApiVersion) {
  const fields = {
    Platform: null,
    Version: c.Version,
    APIVersion: apiVersion,
    DefaultAPIVersion: c.DefaultAPIVersion,
    GitCommit: c.GitCommit,
    GoVersion: c.GoVersion,
    Os: c.Os,
    Arch: c.Arch,
    BuildTime: c.BuildTime,
    Context: c.Context,
  };
  // json tags: APIVersion is "ApiVersion", all but Context are omitempty, Platform is nil
  const tagged = Object.entries(fields)
    .filter(([k]) => k !== "Platform" && k !== "Context")
    .map(([k, v]) => [k === "APIVersion" ? "ApiVersion" : k, v]);
  return { fields, json: { ...omitEmpty(Object.fromEntries(tagged)), Context: c.Context } };
}

/** `.Client` of `version`. */
export function clientVersionStruct(c: ClientVersion) {
  const { fields, json } = clientVersionFields(c);
  return goTypedStruct(fields, "system.clientVersion", () => json);
}
