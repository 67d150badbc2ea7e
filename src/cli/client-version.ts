import { API_VERSION } from "../client/index.ts";

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

const ARCH: Record<string, string> = {
  x64: "amd64",
  ia32: "386",
  arm64: "arm64",
  arm: "arm",
  ppc64: "ppc64le",
};

export async function clientVersion(): Promise<ClientVersion> {
  const pkg = await import("../../package.json", { with: { type: "json" } });
  return {
    Version: (pkg.default as { version: string }).version,
    ApiVersion: API_VERSION,
    DefaultAPIVersion: API_VERSION,
    GitCommit: "",
    GoVersion: `node${process.versions.node}`,
    Os: process.platform,
    Arch: ARCH[process.arch] ?? process.arch,
    BuildTime: "",
    Context: "default",
  };
}
