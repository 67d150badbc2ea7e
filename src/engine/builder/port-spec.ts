import { invalid } from "../../lib/errors.ts";

/**
 * EXPOSE's ports as the image's ExposedPorts keys ("80/tcp"), with the checks of moby's
 * parsePortSpec: `[ip:[hostPort]:]port[-end][/proto]`, proto tcp, udp or sctp; a range gives
 * one key per port. Only the container side is kept, as Docker does.
 */
export function exposedPorts(specs: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of specs) {
    const parts = raw.split(":");
    const containerPart = parts[parts.length - 1];
    const slash = containerPart.indexOf("/");
    const port = slash < 0 ? containerPart : containerPart.slice(0, slash);
    let proto = slash < 0 ? "tcp" : containerPart.slice(slash + 1) || "tcp";
    if (port === "") throw invalid(`no port specified: ${raw}<empty>`);
    proto = proto.toLowerCase();
    if (!["tcp", "udp", "sctp"].includes(proto)) throw invalid(`invalid proto: ${proto}`);
    const range = /^(\d+)(?:-(\d+))?$/.exec(port);
    const start = range ? Number(range[1]) : Number.NaN;
    const end = range?.[2] !== undefined ? Number(range[2]) : start;
    if (!range || start > 65535 || end > 65535 || end < start)
      throw invalid(`invalid containerPort: ${port}`);
    for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  }
  return out;
}
