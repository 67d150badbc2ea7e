import { invalid, notFound, notImplemented } from "../../lib/errors.ts";
import type { HostConfig } from "./model.ts";

const RESTART_POLICIES = ["", "no", "always", "unless-stopped", "on-failure"];

/**
 * Validates a create request's HostConfig and fills Docker's defaults. What kapsel cannot do
 * yet is refused with a clear "not implemented" rather than ignored.
 */
export function normalizeHostConfig(input: HostConfig | undefined): HostConfig {
  const hc: HostConfig = { ...(input ?? {}) };
  const policy = hc.RestartPolicy ?? { Name: "no", MaximumRetryCount: 0 };
  if (!RESTART_POLICIES.includes(policy.Name ?? ""))
    throw invalid(
      `invalid restart policy: unknown policy '${policy.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
    );
  if (policy.Name !== "on-failure" && (policy.MaximumRetryCount ?? 0) > 0) {
    throw invalid(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  }
  if ((policy.MaximumRetryCount ?? 0) < 0)
    throw invalid("invalid restart policy: maximum retry count cannot be negative");
  hc.RestartPolicy = { Name: policy.Name || "no", MaximumRetryCount: policy.MaximumRetryCount ?? 0 };
  if (hc.AutoRemove && hc.RestartPolicy.Name !== "no") {
    throw invalid("conflicting options: cannot specify both --restart and --rm");
  }
  const mode = hc.NetworkMode || "default";
  if (!["default", "bridge", "none", "host"].includes(mode) && !mode.startsWith("container:")) {
    throw notFound(`network ${mode} not found`);
  }
  if (mode.startsWith("container:"))
    throw notImplemented("network mode container:<name> is not implemented yet");
  hc.NetworkMode = mode === "default" ? "bridge" : mode;
  const published = Object.values(hc.PortBindings ?? {}).some((b) => b && b.length > 0);
  if (published || hc.PublishAllPorts)
    throw notImplemented(
      "published ports (-p, -P) are not implemented yet: they come with bridge networking",
    );
  if ((hc.Links ?? []).length > 0) throw notImplemented("--link is not implemented yet");
  if ((hc.VolumesFrom ?? []).length > 0) throw notImplemented("--volumes-from is not implemented yet");
  for (const bind of hc.Binds ?? []) {
    const source = bind.split(":")[0];
    if (!source.startsWith("/")) throw notImplemented(`named volumes are not implemented yet (${bind})`);
  }
  for (const m of hc.Mounts ?? []) {
    if (m.Type !== "bind" && m.Type !== "tmpfs")
      throw notImplemented(`mount type ${m.Type} is not implemented yet`);
  }
  if (typeof hc.ShmSize === "number" && hc.ShmSize < 0) throw invalid("SHM size can not be less than 0");
  hc.LogConfig = hc.LogConfig?.Type ? hc.LogConfig : { Type: "json-file", Config: {} };
  if (!["json-file", "k8s-file", "local"].includes(hc.LogConfig.Type)) {
    throw notImplemented(`log driver ${hc.LogConfig.Type} is not implemented`);
  }
  return hc;
}
