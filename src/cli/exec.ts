import type { EngineClient, ExecConfig } from "../client/index.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, list, str } from "./command.ts";
import { readKvStrings, validateEnv } from "./flags/key-value.ts";
import { streamHijacked } from "./hijacked-io.ts";
import { checkTty, type Stdio, terminalSize } from "./stdio.ts";
import { monitorTtySize, resizerFor } from "./tty-size.ts";

export const execFlags: FlagSpec[] = [
  { name: "detach-keys", type: "string", description: "Override the key sequence for detaching a container" },
  { name: "interactive", short: "i", type: "bool", description: "Keep STDIN open even if not attached" },
  { name: "tty", short: "t", type: "bool", description: "Allocate a pseudo-TTY" },
  { name: "detach", short: "d", type: "bool", description: "Detached mode: run command in the background" },
  {
    name: "user",
    short: "u",
    type: "string",
    description: 'Username or UID (format: "<name|uid>[:<group|gid>]")',
  },
  { name: "privileged", type: "bool", description: "Give extended privileges to the command" },
  { name: "env", short: "e", type: "list", description: "Set environment variables" },
  { name: "env-file", type: "list", description: "Read in a file of environment variables" },
  { name: "workdir", short: "w", type: "string", description: "Working directory inside the container" },
];

export interface ExecOptions {
  container: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  user: string;
  privileged: boolean;
  env: string[];
  envFile: string[];
  workdir: string;
  detachKeys?: string;
}

export function toExecOptions(flags: ParsedArgs): ExecOptions {
  const [container, ...command] = flags.args;
  return {
    container,
    command,
    interactive: bool(flags, "interactive"),
    tty: bool(flags, "tty"),
    detach: bool(flags, "detach"),
    user: str(flags, "user"),
    privileged: bool(flags, "privileged"),
    env: list(flags, "env"),
    envFile: list(flags, "env-file"),
    workdir: str(flags, "workdir"),
    detachKeys: str(flags, "detach-keys") || undefined,
  };
}

/** Docker's parseExec: the exec create body. */
export function toExecConfig(o: ExecOptions, env: Record<string, string | undefined>): ExecConfig {
  const config: ExecConfig = {
    User: o.user,
    Privileged: o.privileged,
    Tty: o.tty,
    Cmd: o.command,
    WorkingDir: o.workdir,
    Env: readKvStrings(
      o.envFile,
      o.env.map((e) => validateEnv(e, (k) => env[k])),
      (k) => env[k],
    ),
    AttachStdin: !o.detach && o.interactive,
    AttachStdout: !o.detach,
    AttachStderr: !o.detach,
    DetachKeys: o.detachKeys ?? "",
  };
  return config;
}

/** `kapsel exec`: returns the command's exit status (0 with -d). */
export async function execInContainer(
  client: EngineClient,
  o: ExecOptions,
  stdio: Stdio,
  env: Record<string, string | undefined>,
): Promise<number> {
  const config = toExecConfig(o, env);
  await client.containers.inspect(o.container);
  if (!o.detach) checkTty(stdio, config.AttachStdin === true, o.tty);
  if (o.tty) config.ConsoleSize = terminalSize(stdio);
  const { Id: id } = await client.exec.create(o.container, config);
  if (!id) throw new Error("exec ID empty");
  if (o.detach) {
    await client.exec.startDetached(id, { Tty: o.tty, ConsoleSize: config.ConsoleSize });
    return 0;
  }
  const conn = await client.exec.attach(id, { Tty: o.tty, ConsoleSize: config.ConsoleSize });
  let stopMonitor = () => {};
  try {
    const streaming = streamHijacked({
      conn,
      tty: o.tty,
      stdin: config.AttachStdin ? stdio.stdin : null,
      stdout: stdio.stdout,
      stderr: o.tty ? stdio.stdout : stdio.stderr,
      detachKeys: o.detachKeys,
      stdio,
    });
    if (o.tty && stdio.stdin.isTTY) stopMonitor = monitorTtySize(stdio, resizerFor(client, id, true));
    await streaming;
  } finally {
    stopMonitor();
    conn.close();
  }
  const inspected = await client.exec.inspect(id);
  return inspected.ExitCode ?? 0;
}

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER COMMAND [ARG...]",
  short: "Execute a command in a running container",
  aliases: ["kapsel container exec", "kapsel exec"],
  flags: execFlags,
  interspersed: false,
  args: { kind: "min", n: 2 },
  run: (ctx) => execInContainer(ctx.client(), toExecOptions(ctx.flags), ctx.stdio, ctx.env),
};
