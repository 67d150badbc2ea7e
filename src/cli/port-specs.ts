import { isIP } from "node:net";
import type { PortBinding } from "../client/index.ts";

/**
 * `-p/--publish` and `--expose` into the create body, as go-connections/nat does:
 * [ip:][hostPort:]containerPort[/proto], ranges "8000-8010:80-90", IPv6 "[::1]:8080:80", and the
 * long form "published=8080,target=80,protocol=udp".
 */
export interface PortSpecs {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, PortBinding[]>;
}

export function parsePortSpecs(publish: readonly string[], expose: readonly string[] = []): PortSpecs {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const raw of publish) {
    for (const { port, binding } of parsePortSpec(toStandardNotation(raw))) {
      exposed[port] ??= {};
      (bindings[port] ??= []).push(binding);
    }
  }
  for (const e of expose) {
    if (e.includes(":")) throw new Error(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    let range: [number, number];
    try {
      range = parsePortRange(port);
    } catch (err) {
      throw new Error(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let p = range[0]; p <= range[1]; p++) exposed[`${p}/${proto}`] ??= {};
  }
  return { exposed, bindings };
}

function toStandardNotation(publish: string): string {
  if (!publish.includes("=")) return publish;
  const params: Record<string, string> = { protocol: "tcp" };
  for (const param of publish.split(",")) {
    const eq = param.indexOf("=");
    if (eq <= 0) throw new Error(`invalid publish opts format (should be name=value but got '${param}')`);
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params.published ?? ""}:${params.target ?? ""}/${params.protocol}`;
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(":");
  const n = parts.length;
  if (n === 1) return ["", "", parts[0]];
  if (n === 2) return ["", parts[0], parts[1]];
  if (n === 3) return [parts[0], parts[1], parts[2]];
  return [parts.slice(0, n - 2).join(":"), parts[n - 2], parts[n - 1]];
}

export function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split("/");
  if (raw === "" || parts[0] === "") return ["", ""];
  if (parts.length === 1 || parts[1] === "") return ["tcp", parts[0]];
  return [parts[1], parts[0]];
}

function parsePortRange(port: string): [number, number] {
  if (port === "") throw new Error("empty string specified for ports");
  const dash = port.indexOf("-");
  const parse = (s: string) => {
    if (!/^\d+$/.test(s) || Number(s) > 65535) throw new Error(`invalid syntax: ${s}`);
    return Number(s);
  };
  if (dash < 0) {
    const p = parse(port);
    return [p, p];
  }
  const start = parse(port.slice(0, dash));
  const end = parse(port.slice(dash + 1));
  if (end < start) throw new Error(`invalid range specified for port: ${port}`);
  return [start, end];
}

function parsePortSpec(raw: string): { port: string; binding: PortBinding }[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  const [proto, cport] = splitProtoPort(containerPort);
  containerPort = cport;
  if (ip.startsWith("[")) {
    if (!ip.endsWith("]")) throw new Error(`invalid IP address ${ip}: missing ']' in address`);
    ip = ip.slice(1, -1);
  }
  if (ip !== "" && isIP(ip) === 0) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === "") throw new Error(`no port specified: ${raw}<empty>`);
  let start: number;
  let end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw new Error(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== "") {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw new Error(`invalid hostPort: ${hostPort}`);
    }
  }
  if (hostPort !== "" && end - start !== hostEnd - hostStart && end !== start) {
    throw new Error(
      `invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`,
    );
  }
  const lower = proto.toLowerCase();
  if (lower !== "tcp" && lower !== "udp" && lower !== "sctp") throw new Error(`invalid proto: ${proto}`);
  const out: { port: string; binding: PortBinding }[] = [];
  for (let i = 0; i <= end - start; i++) {
    let hp = hostPort === "" ? "" : String(hostStart + i);
    if (start === end && hostStart !== hostEnd) hp = `${hp}-${hostEnd}`;
    out.push({ port: `${start + i}/${lower}`, binding: { HostIp: ip, HostPort: hp } });
  }
  return out;
}
