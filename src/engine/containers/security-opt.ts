import { existsSync, readFileSync } from "node:fs";
import { invalid, notImplemented } from "../../lib/errors.ts";
import { parseGoBool } from "../../lib/go-bool.ts";
import { parseSeccompProfile, type SeccompProfile } from "../runtime/index.ts";

/** What the host enforces, which decides whether a label or AppArmor profile means anything. */
export interface HostSecurity {
  apparmor: boolean;
  selinux: boolean;
}

export function hostSecurity(): HostSecurity {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8").trim();
    } catch {
      return "";
    }
  };
  return {
    apparmor: read("/sys/module/apparmor/parameters/enabled") === "Y",
    selinux: existsSync("/sys/fs/selinux/enforce"),
  };
}

/**
 * moby's parseSecurityOpt, in its order and words, for a create request: no-new-privileges and
 * writable-cgroups (optionally =bool), label and apparmor and seccomp (=value, or :value).
 * systempaths=unconfined is the docker CLI's to turn into empty MaskedPaths and ReadonlyPaths;
 * sent as is, Docker refuses it. A seccomp profile (the JSON the docker CLI read from the file)
 * is decoded now, where Docker would fail only at start. What kapsel cannot apply is refused
 * rather than dropped: an AppArmor profile or an SELinux label on a host that enforces them
 * (where the host has neither, Docker records them and applies nothing: so does kapsel).
 */
export function checkSecurityOpt(opts: readonly string[], host: HostSecurity): void {
  const labels: string[] = [];
  for (const opt of opts) {
    if (opt === "no-new-privileges" || opt === "writable-cgroups") continue;
    if (opt === "disable") {
      labels.push("disable");
      continue;
    }
    const sep = opt.includes("=") ? "=" : opt.includes(":") ? ":" : "";
    if (!sep) throw invalid(`invalid --security-opt 1: "${opt}"`);
    const k = opt.slice(0, opt.indexOf(sep));
    const v = opt.slice(opt.indexOf(sep) + 1);
    switch (k) {
      case "label":
        labels.push(v);
        break;
      case "apparmor":
        if (host.apparmor && v !== "unconfined")
          throw notImplemented(`AppArmor profiles are not implemented in kapsel: ${opt}`);
        break;
      case "seccomp":
        if (v !== "unconfined" && v !== "builtin") parseSeccompProfile(v);
        break;
      case "no-new-privileges":
      case "writable-cgroups":
        if (parseGoBool(v) === undefined) throw invalid(`invalid --security-opt 2: "${opt}"`);
        break;
      default:
        throw invalid(`invalid --security-opt 2: "${opt}"`);
    }
  }
  if (host.selinux && labels.some((l) => l !== "disable"))
    throw notImplemented(`SELinux labels are not implemented in kapsel: ${labels.join(", ")}`);
}

/**
 * The seccomp profile the options ask for, the last one winning: "builtin" (Docker's default),
 * "unconfined", a profile of the user's, or undefined when they name none.
 */
export function seccompOption(
  opts: readonly string[],
): SeccompProfile | "builtin" | "unconfined" | undefined {
  let value: string | undefined;
  for (const opt of opts) if (/^seccomp[=:]/.test(opt)) value = opt.slice("seccomp=".length);
  if (value === undefined || value === "builtin" || value === "unconfined") return value;
  return parseSeccompProfile(value);
}

/** The value a bare or =bool option has in a SecurityOpt list, the last one winning (undefined: not there). */
export function securityFlag(
  opts: readonly string[],
  name: "no-new-privileges" | "writable-cgroups",
): boolean | undefined {
  let on: boolean | undefined;
  for (const opt of opts) {
    if (opt === name) on = true;
    else if (opt.startsWith(`${name}=`) || opt.startsWith(`${name}:`))
      on = parseGoBool(opt.slice(name.length + 1)) ?? on;
  }
  return on;
}
