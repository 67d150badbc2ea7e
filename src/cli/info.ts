import type { SystemInfo } from "../client/index.ts";
import { type ClientVersion, clientVersion, clientVersionFields } from "./client-version.ts";
import type { CommandModule } from "./command.ts";
import { str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { omitEmpty } from "./format/go-json.ts";
import { goStruct, goTypedStruct } from "./format/go-print.ts";
import { bytesSize } from "./format/human-units.ts";
import { GoTemplate } from "./format/template/go-template.ts";
import { TemplateError } from "./format/template/template-error.ts";
import { errorText, StatusError } from "./status-error.ts";

interface RegistryConfig {
  InsecureRegistryCIDRs?: string[] | null;
  IndexConfigs?: Record<string, { Name: string; Secure: boolean }> | null;
  Mirrors?: string[] | null;
}

interface AddressPool {
  Base: string;
  Size: number;
}

/** Docker's fmt.Println: operands separated by spaces, booleans and numbers printed as Go does. */
function line(...parts: unknown[]): string {
  return `${parts.map((p) => String(p ?? "")).join(" ")}\n`;
}

function nonEmpty(label: string, value: string | undefined): string {
  return value ? line(label, value) : "";
}

/** prettyPrintServerInfo, for the fields kapsel's daemon reports. Warnings go to stderr. */
export function serverInfoText(info: SystemInfo, debug: boolean): { out: string; warnings: string[] } {
  let o = "";
  o += line(" Containers:", info.Containers);
  o += line("  Running:", info.ContainersRunning);
  o += line("  Paused:", info.ContainersPaused);
  o += line("  Stopped:", info.ContainersStopped);
  o += line(" Images:", info.Images);
  o += nonEmpty(" Server Version:", info.ServerVersion);
  o += nonEmpty(" Storage Driver:", info.Driver);
  for (const [k, v] of info.DriverStatus ?? []) o += `  ${k}: ${v}\n`;
  for (const [k, v] of (info.SystemStatus as [string, string][] | undefined) ?? []) o += ` ${k}: ${v}\n`;
  o += nonEmpty(" Logging Driver:", info.LoggingDriver);
  o += nonEmpty(" Cgroup Driver:", info.CgroupDriver);
  o += nonEmpty(" Cgroup Version:", info.CgroupVersion);
  o += line(" Plugins:");
  o += line("  Volume:", (info.Plugins?.Volume ?? []).join(" "));
  o += line("  Network:", (info.Plugins?.Network ?? []).join(" "));
  if ((info.Plugins?.Authorization ?? []).length > 0) {
    o += line("  Authorization:", (info.Plugins?.Authorization ?? []).join(" "));
  }
  o += line("  Log:", (info.Plugins?.Log ?? []).join(" "));
  const cdiDirs = (info.CDISpecDirs as string[] | null | undefined) ?? [];
  if (cdiDirs.length > 0) o += line(" CDI spec directories:") + cdiDirs.map((d) => `  ${d}\n`).join("");
  o += line(" Swarm:", info.Swarm?.LocalNodeState ?? "inactive");
  const runtimes = Object.keys(info.Runtimes ?? {}).sort();
  if (runtimes.length > 0) {
    o += line(" Runtimes:", runtimes.join(" "));
    o += line(" Default Runtime:", info.DefaultRuntime);
  }
  if (info.OSType === "linux") {
    o += line(" Init Binary:", info.InitBinary);
    o += line(" containerd version:", info.ContainerdCommit?.ID);
    o += line(" runc version:", info.RuncCommit?.ID);
    o += line(" init version:", info.InitCommit?.ID);
    const secOpts = info.SecurityOptions ?? [];
    if (secOpts.length > 0) {
      o += line(" Security Options:");
      for (const so of secOpts) {
        // "name=seccomp,profile=builtin"
        const kv = Object.fromEntries(so.split(",").map((p) => p.split("=", 2) as [string, string]));
        o += line(`  ${kv.name ?? so}`);
        if (kv.profile) o += line("   Profile:", kv.profile);
      }
    }
  }
  o += nonEmpty(" Kernel Version:", info.KernelVersion);
  o += nonEmpty(" Operating System:", info.OperatingSystem);
  o += nonEmpty(" OSType:", info.OSType);
  o += nonEmpty(" Architecture:", info.Architecture);
  o += line(" CPUs:", info.NCPU ?? 0);
  o += line(" Total Memory:", bytesSize(info.MemTotal ?? 0));
  o += nonEmpty(" Name:", info.Name);
  o += nonEmpty(" ID:", info.ID);
  o += line(" Docker Root Dir:", info.DockerRootDir);
  o += line(" Debug Mode:", info.Debug ?? false);
  if (info.Debug || debug) {
    o += line("  File Descriptors:", info.NFd ?? 0);
    o += line("  Goroutines:", info.NGoroutines ?? 0);
    o += line("  System Time:", info.SystemTime);
    o += line("  EventsListeners:", info.NEventsListener ?? 0);
  }
  o += nonEmpty(" HTTP Proxy:", info.HttpProxy);
  o += nonEmpty(" HTTPS Proxy:", info.HttpsProxy);
  o += nonEmpty(" No Proxy:", info.NoProxy);
  const labels = info.Labels ?? [];
  if (labels.length > 0) o += line(" Labels:") + labels.map((l) => line(`  ${l}`)).join("");
  o += line(" Experimental:", info.ExperimentalBuild ?? false);
  const registries = info.RegistryConfig as RegistryConfig | null | undefined;
  const indexConfigs = Object.values(registries?.IndexConfigs ?? {});
  const insecureCidrs = registries?.InsecureRegistryCIDRs ?? [];
  if (registries && (insecureCidrs.length > 0 || indexConfigs.length > 0)) {
    o += line(" Insecure Registries:");
    for (const r of indexConfigs) if (!r.Secure) o += line(`  ${r.Name}`);
    for (const cidr of insecureCidrs) o += line(`  ${cidr}`);
  }
  if ((registries?.Mirrors ?? []).length > 0) {
    o += line(" Registry Mirrors:") + (registries?.Mirrors ?? []).map((m) => line(`  ${m}`)).join("");
  }
  o += line(" Live Restore Enabled:", info.LiveRestoreEnabled ?? false);
  if (info.ProductLicense) o += line(" Product License:", info.ProductLicense);
  for (const [i, pool] of ((info.DefaultAddressPools as AddressPool[] | undefined) ?? []).entries()) {
    if (i === 0) o += line(" Default Address Pools:");
    o += `   Base: ${pool.Base}, Size: ${pool.Size}\n`;
  }
  o += "\n";
  return { out: o, warnings: info.Warnings ?? [] };
}

/** moby's system.Info field names where the JSON tag differs from the Go name. */
const GO_NAMES: Record<string, string> = {
  CpuCfsPeriod: "CPUCfsPeriod",
  CpuCfsQuota: "CPUCfsQuota",
  HttpProxy: "HTTPProxy",
  HttpsProxy: "HTTPSProxy",
};

/** system.Info's fields with their zero values, for a template over a daemon that sent fewer (or none). */
const INFO_ZERO: Record<string, unknown> = {
  ID: "",
  Containers: 0,
  ContainersRunning: 0,
  ContainersPaused: 0,
  ContainersStopped: 0,
  Images: 0,
  Driver: "",
  DriverStatus: null,
  SystemStatus: null,
  Plugins: { Volume: null, Network: null, Authorization: null, Log: null },
  MemoryLimit: false,
  SwapLimit: false,
  KernelMemory: false,
  KernelMemoryTCP: false,
  CPUCfsPeriod: false,
  CPUCfsQuota: false,
  CPUShares: false,
  CPUSet: false,
  PidsLimit: false,
  IPv4Forwarding: false,
  Debug: false,
  NFd: 0,
  OomKillDisable: false,
  NGoroutines: 0,
  SystemTime: "",
  LoggingDriver: "",
  CgroupDriver: "",
  CgroupVersion: "",
  NEventsListener: 0,
  KernelVersion: "",
  OperatingSystem: "",
  OSVersion: "",
  OSType: "",
  Architecture: "",
  IndexServerAddress: "",
  RegistryConfig: null,
  NCPU: 0,
  MemTotal: 0,
  GenericResources: null,
  DockerRootDir: "",
  HTTPProxy: "",
  HTTPSProxy: "",
  NoProxy: "",
  Name: "",
  Labels: null,
  ExperimentalBuild: false,
  ServerVersion: "",
  Runtimes: null,
  DefaultRuntime: "",
  Swarm: {},
  LiveRestoreEnabled: false,
  Isolation: "",
  InitBinary: "",
  ContainerdCommit: { ID: "" },
  RuncCommit: { ID: "" },
  InitCommit: { ID: "" },
  SecurityOptions: null,
  ProductLicense: "",
  DefaultAddressPools: null,
  FirewallBackend: null,
  CDISpecDirs: null,
  Containerd: null,
  Warnings: null,
};

/** docker's clientInfo: Debug, the clientVersion fields (promoted), Plugins and Warnings. */
function clientInfoStruct(c: ClientVersion, debug: boolean, apiVersion: string) {
  const { fields, json } = clientVersionFields(c, apiVersion);
  return goTypedStruct(
    { Debug: debug, ...fields, Plugins: [], Warnings: null },
    "*system.clientInfo",
    () => ({
      Debug: debug,
      ...json,
      Plugins: [],
      Warnings: null,
    }),
  );
}

/**
 * docker's dockerInfo: the daemon's system.Info (its fields promoted, by their Go names),
 * ServerErrors, ClientInfo and ClientErrors. `{{json .}}` keeps the daemon's own JSON order.
 */
function dockerInfoStruct(info: SystemInfo | undefined, serverErrors: string[], clientInfo: object) {
  const fields: Record<string, unknown> = { ...INFO_ZERO };
  for (const [k, v] of Object.entries(info ?? {})) fields[GO_NAMES[k] ?? k] = v;
  Object.assign(fields, {
    ServerErrors: serverErrors,
    ClientInfo: clientInfo,
  });
  return goTypedStruct(fields, "system.dockerInfo", () => ({
    ...(info ?? {}),
    ...omitEmpty({ ServerErrors: serverErrors }),
    ClientInfo: clientInfo,
  }));
}

/**
 * docker's needsServerInfo: a template that reads no field, or one that fails over the client
 * half alone, needs the daemon's info; `{{.ClientInfo.Debug}}` does not.
 */
function needsServerInfo(format: string, clientInfo: object): boolean {
  if (format === "" || !/\.[a-zA-Z]/.test(format)) return true;
  try {
    GoTemplate.parse(format).execute(
      goStruct({ ClientInfo: clientInfo, ClientErrors: null }, "system.sparseInfo"),
    );
    return false;
  } catch {
    return true;
  }
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Display system-wide information",
  aliases: ["kapsel system info", "kapsel info"],
  flags: [{ name: "format", short: "f", type: "string", description: INSPECT_FORMAT_HELP }],
  args: { kind: "none" },
  async run(ctx) {
    const format = str(ctx.flags, "format");
    const { stdout, stderr } = ctx.stdio;
    const client = await clientVersion();
    let clientInfo = clientInfoStruct(client, ctx.global.debug, "");
    let info: SystemInfo | undefined;
    const serverErrors: string[] = [];
    if (needsServerInfo(format, clientInfo)) {
      try {
        info = await ctx.client().system.info();
      } catch (err) {
        serverErrors.push(errorText(err));
        // with a format the error would go unseen unless the template shows ServerErrors
        if (format !== "") stderr.write(`${errorText(err)}\n`);
      }
      clientInfo = clientInfoStruct(client, ctx.global.debug, client.ApiVersion);
    }
    if (format === "") {
      stdout.write("Client:\n");
      stdout.write(line(" Version:   ", client.Version));
      stdout.write(line(" Context:   ", client.Context));
      stdout.write(line(" Debug Mode:", ctx.global.debug));
      stdout.write("\nServer:\n");
      if (info) {
        const { out, warnings } = serverInfoText(info, ctx.global.debug);
        stdout.write(out);
        for (const w of warnings) stderr.write(`${w}\n`);
      }
      for (const e of serverErrors) stderr.write(`ERROR: ${e}\n`);
      if (serverErrors.length > 0) throw new StatusError(1, "errors pretty printing info");
      return 0;
    }
    let tmpl: GoTemplate;
    try {
      tmpl = GoTemplate.parse(format === "json" ? "{{json .}}" : format);
    } catch (err) {
      throw new StatusError(64, `template parsing error: ${(err as Error).message}`);
    }
    let text: string;
    try {
      text = tmpl.execute(dockerInfoStruct(info, serverErrors, clientInfo));
    } catch (err) {
      // docker's template writes as it goes: what came before the failure, then the newline
      stdout.write(`${err instanceof TemplateError ? err.output : ""}\n`);
      throw err;
    }
    stdout.write(`${text}\n`);
    return 0;
  },
};
