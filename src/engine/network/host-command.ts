import { spawn } from "node:child_process";
import { internal, unavailable } from "../../lib/errors.ts";
import { which } from "../host-tools.ts";

/** The programs the network applier runs, found once (namespaces are made by syscalls). */
export interface NetworkTools {
  ip: string;
  iptables: string;
  iptablesRestore: string;
  /** only needed once a network has IPv6 */
  ip6tables?: string;
  ip6tablesRestore?: string;
}

export function findNetworkTools(): NetworkTools {
  const need: [keyof NetworkTools, string, string][] = [
    ["ip", "ip", "iproute2"],
    ["iptables", "iptables", "iptables"],
    ["iptablesRestore", "iptables-restore", "iptables"],
  ];
  const found: Partial<NetworkTools> = {};
  const missing: string[] = [];
  for (const [key, bin, pkg] of need) {
    const path = which(bin);
    if (path) found[key] = path;
    else missing.push(`${bin} (apt-get install ${pkg})`);
  }
  if (missing.length > 0) throw unavailable(`kapsel networking needs: ${missing.join(", ")}`);
  found.ip6tables = which("ip6tables");
  found.ip6tablesRestore = which("ip6tables-restore");
  return found as NetworkTools;
}

/** Runs a program, optionally feeding stdin; resolves stdout, throws with its stderr on failure. */
export function runCommand(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.on("error", (e) => reject(internal(`${file}: ${e.message}`, e)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString("utf8"));
      const stderr = Buffer.concat(err).toString("utf8").trim();
      const shown = input
        ? `${[file, ...args].join(" ")} <<${JSON.stringify(input)}`
        : [file, ...args].join(" ");
      reject(internal(`${shown}: ${stderr || `exit ${code ?? signal}`}`));
    });
    child.stdin.on("error", () => {}); // a program that exits early closes its stdin
    child.stdin.end(input ?? "");
  });
}
