/** Go's name for an architecture (GOARCH), which Docker uses in image configs and platforms. */
const GO_ARCH: Record<string, string> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
};

/** The host's architecture as Docker names it (amd64, arm64, ...). */
export function hostArchitecture(): string {
  return GO_ARCH[process.arch] ?? process.arch;
}
