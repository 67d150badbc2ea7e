import { invalid } from "../../lib/errors.ts";

/**
 * The `local` driver's --opt keys and Docker's checks of them (moby volume/local/local_unix.go):
 * `type`, `device` and `o` are handed to mount(8) when a container first mounts the volume;
 * `size` asks for a quota, which kapsel cannot give (Docker needs xfs project quotas for it).
 */
const VALID = ["type", "o", "device", "size"];
/** a key that is present needs these too; checked in this order (Docker's map order is random) */
const MANDATORY: Array<[string, string[]]> = [
  ["device", ["type"]],
  ["type", ["device"]],
  ["o", ["device", "type"]],
];

/** Throws Docker's invalid-parameter errors for options the local driver refuses. */
export function validateLocalOptions(opts: Record<string, string>): void {
  const keys = Object.keys(opts);
  if (keys.length === 0) return;
  for (const key of keys) if (!VALID.includes(key)) throw invalid(`invalid option: ${JSON.stringify(key)}`);
  if (opts.type === "cifs" && opts.device && cifsPort(opts.device) !== "")
    throw invalid("port not allowed in CIFS device URL, include 'port' in 'o='");
  if ("size" in opts) {
    const size = ramInBytes(opts.size);
    if (size > 0) throw invalid("quota size requested but no quota support");
  }
  for (const [key, needs] of MANDATORY) {
    if (!(key in opts)) continue;
    for (const need of needs)
      if (!(need in opts)) throw invalid(`missing required option: ${JSON.stringify(need)}`);
  }
}

/** Whether the volume's _data is a mount of its own (Docker's needsMount). */
export function needsMount(opts: Record<string, string>): boolean {
  return Boolean(opts.device) || Boolean(opts.type);
}

/** go-units RAMInBytes: "100m", "1.5GiB", "512" → bytes (binary multiples). */
export function ramInBytes(value: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(value);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!m || Number.isNaN(n)) throw invalid(`invalid size: '${value}'`);
  const exp = m[2] ? "kmgtp".indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.trunc(n * 1024 ** exp);
}

/** The port of a CIFS device URL such as //server:445/share (Go's url.Parse(...).Port()). */
function cifsPort(device: string): string {
  const authority = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?\/\/([^/?#]*)/.exec(device)?.[1];
  if (authority === undefined) return "";
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  return /:(\d*)$/.exec(host.replace(/^\[[^\]]*\]/, ""))?.[1] ?? "";
}

/** The `o` value with any password hidden, for error messages (Docker masks it too). */
export function maskPassword(text: string, o: string): string {
  const pw = o
    .split(",")
    .find((x) => x.startsWith("password="))
    ?.slice("password=".length);
  return pw ? text.replaceAll(`password=${pw}`, "password=********") : text;
}
