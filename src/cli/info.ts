import type { SystemInfo } from "../client/index.ts";
import { clientVersion } from "./client-version.ts";
import type { CommandModule } from "./command.ts";
import { str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { bytesSize } from "./format/human-units.ts";
import { GoTemplate } from "./format/template/go-template.ts";
import { StatusError } from "./status-error.ts";

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
  o += line(" Live Restore Enabled:", info.LiveRestoreEnabled ?? false);
  o += "\n";
  return { out: o, warnings: info.Warnings ?? [] };
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Display system-wide information",
  aliases: ["kapsel system info", "kapsel info"],
  flags: [{ name: "format", short: "f", type: "string", description: INSPECT_FORMAT_HELP }],
  args: { kind: "none" },
  async run(ctx) {
    const format = str(ctx.flags, "format");
    const client = await clientVersion();
    const clientInfo = { Debug: ctx.global.debug, ...client, Plugins: [], Warnings: null };
    let info: SystemInfo | undefined;
    let connError: unknown;
    try {
      info = await ctx.client().system.info();
    } catch (err) {
      connError = err;
    }
    const { stdout, stderr } = ctx.stdio;
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
      if (connError) throw connError;
      return 0;
    }
    let tmpl: GoTemplate;
    try {
      tmpl = GoTemplate.parse(format === "json" ? "{{json .}}" : format);
    } catch (err) {
      throw new StatusError(64, `template parsing error: ${(err as Error).message}`);
    }
    if (connError) throw connError;
    stdout.write(`${tmpl.execute({ ...info, ClientInfo: clientInfo })}\n`);
    return 0;
  },
};
