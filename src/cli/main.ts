/**
 * The kapsel CLI: Docker's command syntax over the Engine API client. This file owns the
 * command table (with Docker's aliases and management groups), the global flags, --help,
 * usage errors and exit statuses. Each command lives in its own file and is imported only
 * when it runs, so `kapsel ps` loads ps and the client, nothing else; the client and the help
 * renderer are imported only when needed too (startup time is most of a short command's time).
 */
import { ConnectionError } from "../client/errors.ts";
import type { EngineClient } from "../client/index.ts";
import type { CommandModule, CommandSpec, FlagSpec, GlobalOptions, ParsedArgs } from "./command.ts";
import { parseCommandLine } from "./flags/command-line.ts";
import { UsageError } from "./flags/flag-error.ts";
import type { SubcommandListing } from "./flags/flag-spec.ts";
import type { HelpOptions } from "./flags/render-help.ts";
import { errorText, StatusError } from "./status-error.ts";
import { processStdio, type Stdio } from "./stdio.ts";

type ClientModule = typeof import("../client/index.ts");

type Loader = () => Promise<{ command: CommandModule }>;

interface Entry {
  name: string;
  aliases?: string[];
  short: string;
  load: Loader;
}

// Loaders, one per command file, shared by the aliases that run it.
const L = {
  attach: () => import("./attach.ts"),
  bootstrap: () => import("./image-bootstrap.ts"),
  build: () => import("./build.ts"),
  builderPrune: () => import("./builder-prune.ts"),
  commit: () => import("./commit.ts"),
  containerInspect: () => import("./container-inspect.ts"),
  containerPrune: () => import("./container-prune.ts"),
  cp: () => import("./cp.ts"),
  create: () => import("./create.ts"),
  diff: () => import("./diff.ts"),
  events: () => import("./events.ts"),
  exec: () => import("./exec.ts"),
  export: () => import("./export.ts"),
  history: () => import("./history.ts"),
  imageInspect: () => import("./image-inspect.ts"),
  imagePrune: () => import("./image-prune.ts"),
  systemDf: () => import("./system-df.ts"),
  images: () => import("./images.ts"),
  import: () => import("./import.ts"),
  info: () => import("./info.ts"),
  inspect: () => import("./inspect.ts"),
  kill: () => import("./kill.ts"),
  load: () => import("./load.ts"),
  login: () => import("./login.ts"),
  logout: () => import("./logout.ts"),
  logs: () => import("./logs.ts"),
  networkConnect: () => import("./network-connect.ts"),
  networkCreate: () => import("./network-create.ts"),
  networkDisconnect: () => import("./network-disconnect.ts"),
  networkInspect: () => import("./network-inspect.ts"),
  networkLs: () => import("./network-ls.ts"),
  networkPrune: () => import("./network-prune.ts"),
  networkRm: () => import("./network-rm.ts"),
  pause: () => import("./pause.ts"),
  port: () => import("./port.ts"),
  ps: () => import("./ps.ts"),
  pull: () => import("./pull.ts"),
  push: () => import("./push.ts"),
  rename: () => import("./rename.ts"),
  restart: () => import("./restart.ts"),
  rm: () => import("./rm.ts"),
  rmi: () => import("./rmi.ts"),
  run: () => import("./run.ts"),
  save: () => import("./save.ts"),
  search: () => import("./search.ts"),
  start: () => import("./start.ts"),
  stats: () => import("./stats.ts"),
  stop: () => import("./stop.ts"),
  tag: () => import("./tag.ts"),
  top: () => import("./top.ts"),
  unpause: () => import("./unpause.ts"),
  update: () => import("./update.ts"),
  version: () => import("./version.ts"),
  volumeCreate: () => import("./volume-create.ts"),
  volumeInspect: () => import("./volume-inspect.ts"),
  volumeLs: () => import("./volume-ls.ts"),
  volumePrune: () => import("./volume-prune.ts"),
  volumeRm: () => import("./volume-rm.ts"),
  volumeUpdate: () => import("./volume-update.ts"),
  wait: () => import("./wait.ts"),
} satisfies Record<string, Loader>;

const S = {
  attach: "Attach local standard input, output, and error streams to a running container",
  build: "Build an image from a Dockerfile",
  commit: "Create a new image from a container's changes",
  cp: "Copy files/folders between a container and the local filesystem",
  create: "Create a new container",
  diff: "Inspect changes to files or directories on a container's filesystem",
  events: "Get real time events from the server",
  exec: "Execute a command in a running container",
  history: "Show the history of an image",
  export: "Export a container's filesystem as a tar archive",
  images: "List images",
  import: "Import the contents from a tarball to create a filesystem image",
  info: "Display system-wide information",
  kill: "Kill one or more running containers",
  load: "Load an image from a tar archive or STDIN",
  login: "Authenticate to a registry",
  logout: "Log out from a registry",
  logs: "Fetch the logs of a container",
  pause: "Pause all processes within one or more containers",
  port: "List port mappings or a specific mapping for the container",
  ps: "List containers",
  pull: "Download an image from a registry",
  push: "Upload an image to a registry",
  rename: "Rename a container",
  restart: "Restart one or more containers",
  rm: "Remove one or more containers",
  rmi: "Remove one or more images",
  run: "Create and run a new container from an image",
  save: "Save one or more images to a tar archive (streamed to STDOUT by default)",
  start: "Start one or more stopped containers",
  stats: "Display a live stream of container(s) resource usage statistics",
  stop: "Stop one or more running containers",
  tag: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  top: "Display the running processes of a container",
  unpause: "Unpause all processes within one or more containers",
  update: "Update configuration of one or more containers",
  version: "Show the kapsel version information",
  wait: "Block until one or more containers stop, then print their exit codes",
};

const COMMON = ["run", "exec", "ps", "build", "pull", "push", "images", "login", "logout", "version", "info"];

const TOP: Entry[] = [
  { name: "attach", short: S.attach, load: L.attach },
  { name: "build", short: S.build, load: L.build },
  { name: "commit", short: S.commit, load: L.commit },
  { name: "cp", short: S.cp, load: L.cp },
  { name: "create", short: S.create, load: L.create },
  { name: "diff", short: S.diff, load: L.diff },
  { name: "events", short: S.events, load: L.events },
  { name: "exec", short: S.exec, load: L.exec },
  { name: "export", short: S.export, load: L.export },
  { name: "history", short: S.history, load: L.history },
  { name: "images", short: S.images, load: L.images },
  { name: "import", short: S.import, load: L.import },
  { name: "info", short: S.info, load: L.info },
  { name: "inspect", short: "Return low-level information on Docker objects", load: L.inspect },
  { name: "kill", short: S.kill, load: L.kill },
  { name: "load", short: S.load, load: L.load },
  { name: "login", short: S.login, load: L.login },
  { name: "logout", short: S.logout, load: L.logout },
  { name: "logs", short: S.logs, load: L.logs },
  { name: "pause", short: S.pause, load: L.pause },
  { name: "port", short: S.port, load: L.port },
  { name: "ps", short: S.ps, load: L.ps },
  { name: "pull", short: S.pull, load: L.pull },
  { name: "push", short: S.push, load: L.push },
  { name: "rename", short: S.rename, load: L.rename },
  { name: "restart", short: S.restart, load: L.restart },
  { name: "rm", short: S.rm, load: L.rm },
  { name: "rmi", short: S.rmi, load: L.rmi },
  { name: "run", short: S.run, load: L.run },
  { name: "save", short: S.save, load: L.save },
  { name: "search", short: "Search Docker Hub for images", load: L.search },
  { name: "start", short: S.start, load: L.start },
  { name: "stats", short: S.stats, load: L.stats },
  { name: "stop", short: S.stop, load: L.stop },
  { name: "tag", short: S.tag, load: L.tag },
  { name: "top", short: S.top, load: L.top },
  { name: "unpause", short: S.unpause, load: L.unpause },
  { name: "update", short: S.update, load: L.update },
  { name: "version", short: S.version, load: L.version },
  { name: "wait", short: S.wait, load: L.wait },
];

interface Group {
  name: string;
  short: string;
  /** what follows the name in docker's Use line, shown by the unknown-command error ("COMMAND") */
  use?: string;
  commands: Entry[];
}

const GROUPS: Group[] = [
  {
    name: "builder",
    short: "Manage builds",
    commands: [
      { name: "build", short: S.build, load: L.build },
      { name: "prune", short: "Remove build cache", load: L.builderPrune },
    ],
  },
  {
    name: "container",
    short: "Manage containers",
    commands: [
      { name: "attach", short: S.attach, load: L.attach },
      { name: "commit", short: S.commit, load: L.commit },
      { name: "cp", short: S.cp, load: L.cp },
      { name: "create", short: S.create, load: L.create },
      { name: "diff", short: S.diff, load: L.diff },
      { name: "exec", short: S.exec, load: L.exec },
      { name: "export", short: S.export, load: L.export },
      {
        name: "inspect",
        short: "Display detailed information on one or more containers",
        load: L.containerInspect,
      },
      { name: "kill", short: S.kill, load: L.kill },
      { name: "logs", short: S.logs, load: L.logs },
      { name: "ls", aliases: ["ps", "list"], short: S.ps, load: L.ps },
      { name: "pause", short: S.pause, load: L.pause },
      { name: "port", short: S.port, load: L.port },
      { name: "prune", short: "Remove all stopped containers", load: L.containerPrune },
      { name: "rename", short: S.rename, load: L.rename },
      { name: "restart", short: S.restart, load: L.restart },
      { name: "rm", aliases: ["remove"], short: S.rm, load: L.rm },
      { name: "run", short: S.run, load: L.run },
      { name: "start", short: S.start, load: L.start },
      { name: "stats", short: S.stats, load: L.stats },
      { name: "stop", short: S.stop, load: L.stop },
      { name: "top", short: S.top, load: L.top },
      { name: "unpause", short: S.unpause, load: L.unpause },
      { name: "update", short: S.update, load: L.update },
      { name: "wait", short: S.wait, load: L.wait },
    ],
  },
  {
    name: "image",
    short: "Manage images",
    commands: [
      {
        name: "bootstrap",
        short: "Build a base image (busybox or debian:SUITE) from the host",
        load: L.bootstrap,
      },
      { name: "build", short: S.build, load: L.build },
      { name: "history", short: S.history, load: L.history },
      { name: "import", short: S.import, load: L.import },
      { name: "inspect", short: "Display detailed information on one or more images", load: L.imageInspect },
      { name: "load", short: S.load, load: L.load },
      { name: "ls", aliases: ["list", "images"], short: S.images, load: L.images },
      { name: "prune", short: "Remove unused images", load: L.imagePrune },
      { name: "pull", short: S.pull, load: L.pull },
      { name: "push", short: S.push, load: L.push },
      { name: "rm", aliases: ["rmi", "remove"], short: S.rmi, load: L.rmi },
      { name: "save", short: S.save, load: L.save },
      { name: "tag", short: S.tag, load: L.tag },
    ],
  },
  {
    name: "network",
    short: "Manage networks",
    commands: [
      { name: "connect", short: "Connect a container to a network", load: L.networkConnect },
      { name: "create", short: "Create a network", load: L.networkCreate },
      { name: "disconnect", short: "Disconnect a container from a network", load: L.networkDisconnect },
      {
        name: "inspect",
        short: "Display detailed information on one or more networks",
        load: L.networkInspect,
      },
      { name: "ls", aliases: ["list"], short: "List networks", load: L.networkLs },
      { name: "prune", short: "Remove all unused networks", load: L.networkPrune },
      { name: "rm", aliases: ["remove"], short: "Remove one or more networks", load: L.networkRm },
    ],
  },
  {
    name: "system",
    short: "Manage kapsel",
    commands: [
      { name: "df", short: "Show kapsel disk usage", load: L.systemDf },
      { name: "events", short: S.events, load: L.events },
      { name: "info", short: S.info, load: L.info },
    ],
  },
  {
    name: "volume",
    short: "Manage volumes",
    use: "COMMAND",
    commands: [
      { name: "create", short: "Create a volume", load: L.volumeCreate },
      {
        name: "inspect",
        short: "Display detailed information on one or more volumes",
        load: L.volumeInspect,
      },
      { name: "ls", aliases: ["list"], short: "List volumes", load: L.volumeLs },
      { name: "prune", short: "Remove unused local volumes", load: L.volumePrune },
      { name: "rm", aliases: ["remove"], short: "Remove one or more volumes", load: L.volumeRm },
      { name: "update", short: "Update a volume (cluster volumes only)", load: L.volumeUpdate },
    ],
  },
];

const ROOT_FLAGS: FlagSpec[] = [
  { name: "config", type: "string", description: "Location of client config files" },
  {
    name: "context",
    short: "c",
    type: "string",
    description: "Name of the context to use to connect to the daemon",
  },
  { name: "debug", short: "D", type: "bool", description: "Enable debug mode" },
  { name: "host", short: "H", type: "list", description: "Daemon socket to connect to" },
  {
    name: "log-level",
    short: "l",
    type: "string",
    default: "info",
    description: 'Set the logging level ("debug", "info", "warn", "error", "fatal")',
  },
  { name: "tls", type: "bool", description: "Use TLS; implied by --tlsverify" },
  { name: "tlscacert", type: "string", description: "Trust certs signed only by this CA" },
  { name: "tlscert", type: "string", description: "Path to TLS certificate file" },
  { name: "tlskey", type: "string", description: "Path to TLS key file" },
  { name: "tlsverify", type: "bool", description: "Use TLS and verify the remote" },
  { name: "version", short: "v", type: "bool", description: "Print version information and quit" },
];

const ROOT: CommandSpec = {
  path: "kapsel",
  usage: "[OPTIONS] COMMAND [ARG...]",
  short: "A self-sufficient runtime for containers",
  flags: ROOT_FLAGS,
  interspersed: false,
  args: { kind: "any" },
};

export interface MainOptions {
  stdio?: Stdio;
  env?: Record<string, string | undefined>;
}

/** Runs one kapsel command line; returns the exit status (bin/kapsel exits with it). */
export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  const stdio = opts.stdio ?? processStdio();
  const env = opts.env ?? process.env;
  let client: EngineClient | undefined;
  try {
    return await dispatch(argv, stdio, env, (mod, global) => {
      client ??= mod.createClient({ host: mod.parseHost(mod.selectHost(global.hosts, env)).url });
      return client;
    });
  } catch (err) {
    return report(err, stdio);
  } finally {
    client?.close();
  }
}

/** Prints an error as Docker's main does and gives its exit status. */
function report(err: unknown, stdio: Stdio): number {
  if (err instanceof StatusError || err instanceof UsageError) {
    if (err.message !== "") stdio.stderr.write(`${err.message}\n`);
    return err.status;
  }
  if (err instanceof ConnectionError) {
    stdio.stderr.write(`${err.message}\n`);
    return 1;
  }
  stdio.stderr.write(`${errorText(err)}\n`);
  return 1;
}

async function dispatch(
  argv: string[],
  stdio: Stdio,
  env: Record<string, string | undefined>,
  getClient: GetClient,
): Promise<number> {
  const root = parseCommandLine(ROOT, argv);
  for (const warning of root.warnings) stdio.stderr.write(`${warning}\n`);
  const logLevel = String(root.flags["log-level"]);
  if (
    !["debug", "info", "warn", "warning", "error", "fatal", "panic", "trace"].includes(logLevel.toLowerCase())
  ) {
    throw new StatusError(1, `Unable to parse logging level: ${logLevel}`);
  }
  const global: GlobalOptions = {
    hosts: root.flags.host as string[],
    debug: root.flags.debug === true,
    logLevel,
  };
  if (root.flags.version === true) {
    stdio.stdout.write(`kapsel version ${await packageVersion()}, build kapsel\n`);
    return 0;
  }
  const [name, ...rest] = root.args;
  if (root.help || name === undefined) {
    // docker prints its help on stderr when run without a command
    (name === undefined && !root.help ? stdio.stderr : stdio.stdout).write(await rootHelp(stdio));
    return 0;
  }
  if (name === "help") return helpTopic(rest, stdio);

  const group = GROUPS.find((g) => g.name === name);
  if (group) {
    const [sub, ...subArgs] = rest;
    if (sub === undefined || sub === "--help" || sub === "-h") {
      stdio.stdout.write(await groupHelp(group, stdio));
      return 0;
    }
    const entry = group.commands.find((c) => c.name === sub || c.aliases?.includes(sub));
    if (!entry) {
      throw new StatusError(
        1,
        `kapsel: unknown command: kapsel ${group.name} ${sub}\n\nUsage:  kapsel ${group.name}${group.use ? ` ${group.use}` : ""}\n\nRun 'kapsel ${group.name} --help' for more information`,
      );
    }
    return runEntry([group.name, entry.name], entry, subArgs, stdio, env, global, getClient);
  }
  const entry = TOP.find((c) => c.name === name);
  if (!entry) {
    throw new StatusError(
      1,
      `kapsel: unknown command: kapsel ${name}\n\nRun 'kapsel --help' for more information`,
    );
  }
  return runEntry([entry.name], entry, rest, stdio, env, global, getClient);
}

function specOf(path: readonly string[], mod: CommandModule): CommandSpec {
  return { ...mod, path: `kapsel ${path.join(" ")}` };
}

type GetClient = (mod: ClientModule, global: GlobalOptions) => EngineClient;

async function runEntry(
  path: string[],
  entry: Entry,
  argv: string[],
  stdio: Stdio,
  env: Record<string, string | undefined>,
  global: GlobalOptions,
  getClient: GetClient,
): Promise<number> {
  // the client loads while the command's own module does
  const clientModule = import("../client/index.ts");
  clientModule.catch(() => {});
  const { command } = await entry.load();
  const spec = specOf(path, command);
  const flags: ParsedArgs = parseCommandLine(spec, argv);
  if (flags.help) {
    stdio.stdout.write(await help(spec, { width: terminalWidth(stdio) }));
    return 0;
  }
  for (const warning of flags.warnings) stdio.stderr.write(`${warning}\n`);
  const mod = await clientModule;
  const result = await command.run({ path, flags, stdio, env, global, client: () => getClient(mod, global) });
  return result ?? 0;
}

async function help(spec: CommandSpec, o: HelpOptions): Promise<string> {
  const { renderHelp } = await import("./flags/render-help.ts");
  return renderHelp(spec, o);
}

async function helpTopic(topic: string[], stdio: Stdio): Promise<number> {
  if (topic.length === 0) {
    stdio.stdout.write(await rootHelp(stdio));
    return 0;
  }
  const group = GROUPS.find((g) => g.name === topic[0]);
  if (group && topic.length === 1) {
    stdio.stdout.write(await groupHelp(group, stdio));
    return 0;
  }
  const entry = group
    ? group.commands.find((c) => c.name === topic[1] || c.aliases?.includes(topic[1]))
    : TOP.find((c) => c.name === topic[0]);
  if (!entry) throw new StatusError(1, `unknown help topic: ${topic.join(" ")}`);
  const { command } = await entry.load();
  const path = group ? [group.name, entry.name] : [entry.name];
  stdio.stdout.write(await help(specOf(path, command), { width: terminalWidth(stdio) }));
  return 0;
}

const byName = (a: SubcommandListing, b: SubcommandListing) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

function groupHelp(group: Group, stdio: Stdio): Promise<string> {
  const spec: CommandSpec = {
    path: `kapsel ${group.name}`,
    usage: "COMMAND",
    short: group.short,
    flags: [],
    subcommands: [...group.commands].sort(byName),
  };
  return help(spec, { width: terminalWidth(stdio) });
}

function rootHelp(stdio: Stdio): Promise<string> {
  const common = COMMON.map((n) => TOP.find((e) => e.name === n)!);
  const others = TOP.filter((e) => !COMMON.includes(e.name)).sort(byName);
  return help(ROOT, {
    root: true,
    width: terminalWidth(stdio),
    groups: [
      { title: "Common Commands", commands: common },
      { title: "Management Commands", commands: [...GROUPS].sort(byName) },
      { title: "Commands", commands: others },
    ],
  });
}

async function packageVersion(): Promise<string> {
  const pkg = await import("../../package.json", { with: { type: "json" } });
  return (pkg.default as { version: string }).version;
}

/** Docker wraps help to the width of the terminal on stdin (fd 0); 80 without one. */
function terminalWidth(stdio: Stdio): number {
  return stdio.stdin.isTTY && stdio.stdout.isTTY && stdio.stdout.columns ? stdio.stdout.columns : 80;
}
