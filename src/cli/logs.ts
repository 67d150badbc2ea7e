import { demuxStdcopy } from "../lib/stdcopy.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import { getTimestamp } from "./flags/timestamp.ts";
import { writeAll } from "./stdio.ts";

export const logsFlags: FlagSpec[] = [
  { name: "follow", short: "f", type: "bool", description: "Follow log output" },
  {
    name: "since",
    type: "string",
    description:
      'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
  },
  {
    name: "until",
    type: "string",
    description:
      'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
  },
  { name: "timestamps", short: "t", type: "bool", description: "Show timestamps" },
  { name: "details", type: "bool", description: "Show extra details provided to logs" },
  {
    name: "tail",
    short: "n",
    type: "string",
    default: "all",
    description: "Number of lines to show from the end of the logs",
  },
];

export interface LogsCommandOptions {
  container: string;
  follow: boolean;
  since?: string;
  until?: string;
  timestamps: boolean;
  details: boolean;
  tail: string;
}

export function toLogsOptions(flags: ParsedArgs): LogsCommandOptions {
  return {
    container: flags.args[0],
    follow: bool(flags, "follow"),
    since: str(flags, "since") || undefined,
    until: str(flags, "until") || undefined,
    timestamps: bool(flags, "timestamps"),
    details: bool(flags, "details"),
    tail: str(flags, "tail"),
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER",
  short: "Fetch the logs of a container",
  aliases: ["kapsel container logs", "kapsel logs"],
  flags: logsFlags,
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const o = toLogsOptions(ctx.flags);
    const client = ctx.client();
    const c = await client.containers.inspect(o.container);
    const body = await client.containers.logs(c.Id, {
      ...o,
      since: apiTime("since", o.since),
      until: apiTime("until", o.until),
      stdout: true,
      stderr: true,
    });
    const { stdout, stderr } = ctx.stdio;
    if (c.Config.Tty) {
      for await (const chunk of body) await writeAll(stdout, chunk as Buffer);
    } else {
      await demuxStdcopy(body, stdout, stderr);
    }
    return 0;
  },
};

/** moby's client converts --since/--until before sending them; so does kapsel's CLI. */
function apiTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return getTimestamp(value);
  } catch (err) {
    throw new Error(`invalid value for "${name}": ${(err as Error).message}`);
  }
}
