import { memorySwapBytes } from "../lib/byte-size.ts";
import { bool, type FlagSpec, ifChanged, list, type ParsedArgs, str } from "./command.ts";
import { type ContainerOptions, containerOptions } from "./container-options.ts";
import { validateLabel } from "./flags/key-value.ts";
import { parseMount, parseUlimit } from "./mount-spec.ts";
import { readResourceFlags, resourceFlags } from "./resource-flags.ts";
import type { CreateOptions } from "./run-container.ts";

/**
 * The container flags `create` and `run` share (docker's addFlags in opts.go), for the options
 * kapsel implements. Usage texts are Docker's.
 */
export const containerFlags: FlagSpec[] = [
  { name: "add-host", type: "list", description: "Add a custom host-to-IP mapping (host:ip)" },
  {
    name: "annotation",
    type: "map",
    description: "Add an annotation to the container (passed through to the OCI runtime)",
  },
  { name: "cgroup-parent", type: "string", description: "Optional parent cgroup for the container" },
  {
    name: "cgroupns",
    type: "string",
    description:
      "Cgroup namespace to use (host|private)\n'host':    Run the container in the Docker host's cgroup namespace\n'private': Run the container in its own private cgroup namespace\n'':        Use the cgroup namespace as configured by the\n           default-cgroupns-mode option on the daemon (default)",
  },
  { name: "cpu-shares", short: "c", type: "int", description: "CPU shares (relative weight)" },
  { name: "device", type: "list", description: "Add a host device to the container" },
  {
    name: "disable-content-trust",
    type: "bool",
    default: true,
    description: "Skip image verification",
  },
  { name: "health-cmd", type: "string", description: "Command to run to check health" },
  {
    name: "health-interval",
    type: "duration",
    description: "Time between running the check (ms|s|m|h) (default 0s)",
  },
  { name: "health-retries", type: "int", description: "Consecutive failures needed to report unhealthy" },
  {
    name: "health-start-interval",
    type: "duration",
    description: "Time between running the check during the start period (ms|s|m|h) (default 0s)",
  },
  {
    name: "health-start-period",
    type: "duration",
    description:
      "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)",
  },
  {
    name: "health-timeout",
    type: "duration",
    description: "Maximum time to allow one check to run (ms|s|m|h) (default 0s)",
  },
  { name: "ip", type: "string", description: "IPv4 address (e.g., 172.30.100.104)" },
  { name: "ip6", type: "string", description: "IPv6 address (e.g., 2001:db8::33)" },
  { name: "link-local-ip", type: "list", description: "Container IPv4/IPv6 link-local addresses" },
  { name: "link", type: "list", description: "Add link to another container" },
  { name: "mac-address", type: "string", description: "Container MAC address (e.g., 92:d0:c6:0a:29:33)" },
  { name: "memory-reservation", type: "bytes", description: "Memory soft limit" },
  {
    name: "memory-swap",
    type: "string",
    typeName: "bytes",
    description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
    validate: (v) => String(memorySwapBytes(v)),
  },
  {
    name: "mount",
    type: "list",
    typeName: "mount",
    description: "Attach a filesystem mount to the container",
    validate: (v) => parseMount(v) && v,
  },
  { name: "no-healthcheck", type: "bool", description: "Disable any container-specified HEALTHCHECK" },
  { name: "oom-kill-disable", type: "bool", description: "Disable OOM Killer" },
  { name: "oom-score-adj", type: "int", description: "Tune host's OOM preferences (-1000 to 1000)" },
  {
    name: "ulimit",
    type: "list",
    typeName: "ulimit",
    description: "Ulimit options",
    defaultText: "[]",
    validate: (v) => parseUlimit(v) && v,
  },
  { name: "volumes-from", type: "list", description: "Mount volumes from the specified container(s)" },
  {
    name: "attach",
    short: "a",
    type: "list",
    description: "Attach to STDIN, STDOUT or STDERR",
    validate: validateAttach,
  },
  { name: "cap-add", type: "list", description: "Add Linux capabilities" },
  { name: "cap-drop", type: "list", description: "Drop Linux capabilities" },
  { name: "cidfile", type: "string", description: "Write the container ID to the file" },
  {
    name: "cpus",
    type: "string",
    typeName: "decimal",
    description: "Number of CPUs",
    validate: validateCpus,
  },
  { name: "dns", type: "list", description: "Set custom DNS servers" },
  { name: "dns-option", type: "list", description: "Set DNS options" },
  { name: "dns-opt", type: "list", description: "Set DNS options", hidden: true },
  { name: "dns-search", type: "list", description: "Set custom DNS search domains" },
  { name: "domainname", type: "string", description: "Container NIS domain name" },
  { name: "entrypoint", type: "string", description: "Overwrite the default ENTRYPOINT of the image" },
  { name: "env", short: "e", type: "list", description: "Set environment variables" },
  { name: "env-file", type: "list", description: "Read in a file of environment variables" },
  { name: "expose", type: "list", description: "Expose a port or a range of ports" },
  { name: "group-add", type: "list", description: "Add additional groups to join" },
  { name: "hostname", short: "h", type: "string", description: "Container host name" },
  {
    name: "init",
    type: "bool",
    description: "Run an init inside the container that forwards signals and reaps processes",
  },
  { name: "interactive", short: "i", type: "bool", description: "Keep STDIN open even if not attached" },
  { name: "ipc", type: "string", description: "IPC mode to use" },
  {
    name: "label",
    short: "l",
    type: "list",
    description: "Set meta data on a container",
    validate: validateLabel,
  },
  { name: "label-file", type: "list", description: "Read in a line delimited file of labels" },
  { name: "log-driver", type: "string", description: "Logging driver for the container" },
  { name: "log-opt", type: "list", description: "Log driver options" },
  { name: "memory", short: "m", type: "bytes", description: "Memory limit" },
  {
    name: "net",
    type: "list",
    typeName: "network",
    description: "Connect a container to a network",
    hidden: true,
  },
  { name: "network", type: "list", typeName: "network", description: "Connect a container to a network" },
  { name: "network-alias", type: "list", description: "Add network-scoped alias for the container" },
  {
    name: "net-alias",
    type: "list",
    description: "Add network-scoped alias for the container",
    hidden: true,
  },
  { name: "pid", type: "string", description: "PID namespace to use" },
  { name: "pids-limit", type: "int", description: "Tune container pids limit (set -1 for unlimited)" },
  { name: "platform", type: "string", description: "Set platform if server is multi-platform capable" },
  { name: "privileged", type: "bool", description: "Give extended privileges to this container" },
  { name: "publish", short: "p", type: "list", description: "Publish a container's port(s) to the host" },
  { name: "publish-all", short: "P", type: "bool", description: "Publish all exposed ports to random ports" },
  { name: "quiet", short: "q", type: "bool", description: "Suppress the pull output" },
  { name: "read-only", type: "bool", description: "Mount the container's root filesystem as read only" },
  {
    name: "restart",
    type: "string",
    default: "no",
    description: "Restart policy to apply when a container exits",
  },
  {
    name: "rm",
    type: "bool",
    description: "Automatically remove the container and its associated anonymous volumes when it exits",
  },
  { name: "runtime", type: "string", description: "Runtime to use for this container" },
  { name: "security-opt", type: "list", description: "Security Options" },
  { name: "shm-size", type: "bytes", description: "Size of /dev/shm" },
  { name: "stop-signal", type: "string", description: "Signal to stop the container" },
  { name: "stop-timeout", type: "int", description: "Timeout (in seconds) to stop a container" },
  { name: "sysctl", type: "map", description: "Sysctl options" },
  { name: "tmpfs", type: "list", description: "Mount a tmpfs directory" },
  { name: "tty", short: "t", type: "bool", description: "Allocate a pseudo-TTY" },
  { name: "use-api-socket", type: "bool", description: "Bind mount Docker API socket and required auth" },
  {
    name: "user",
    short: "u",
    type: "string",
    description: "Username or UID (format: <name|uid>[:<group|gid>])",
  },
  { name: "userns", type: "string", description: "User namespace to use" },
  { name: "uts", type: "string", description: "UTS namespace to use" },
  { name: "volume", short: "v", type: "list", description: "Bind mount a volume" },
  { name: "volume-driver", type: "string", description: "Optional volume driver for the container" },
  { name: "workdir", short: "w", type: "string", description: "Working directory inside the container" },
  ...resourceFlags,
];

/** Flags of create and run beyond the container's own. */
export function pullFlag(verb: "creating" | "running"): FlagSpec {
  return {
    name: "pull",
    type: "string",
    default: "missing",
    description: `Pull image before ${verb} ("always", ${verb === "creating" ? '"|missing"' : '"missing"'}, "never")`,
  };
}

export const nameFlag: FlagSpec = {
  name: "name",
  type: "string",
  description: "Assign a name to the container",
};

/** run and create show --help in their help, as -h is --hostname there. */
export const helpFlag: FlagSpec = { name: "help", type: "bool", description: "Print usage" };

/** The parsed create/run flags as typed options (args: IMAGE [COMMAND] [ARG...]). */
export function toCreateOptions(flags: ParsedArgs): CreateOptions {
  const [image, ...args] = flags.args;
  const opt = (name: string) => (flags.changed.has(name) ? str(flags, name) : undefined);
  const cpus = opt("cpus");
  const base: ContainerOptions = containerOptions({
    image,
    args,
    name: str(flags, "name") || undefined,
    attach: list(flags, "attach"),
    interactive: bool(flags, "interactive"),
    tty: bool(flags, "tty"),
    env: list(flags, "env"),
    envFile: list(flags, "env-file"),
    labels: list(flags, "label"),
    labelFile: list(flags, "label-file"),
    workdir: opt("workdir"),
    user: opt("user"),
    hostname: opt("hostname"),
    domainname: opt("domainname"),
    entrypoint: opt("entrypoint"),
    stopSignal: opt("stop-signal"),
    stopTimeout: ifChanged<number>(flags, "stop-timeout"),
    init: ifChanged<boolean>(flags, "init"),
    autoRemove: bool(flags, "rm"),
    privileged: bool(flags, "privileged"),
    readOnly: bool(flags, "read-only"),
    cidfile: opt("cidfile"),
    networks: [...list(flags, "network"), ...list(flags, "net")],
    networkAliases: [...list(flags, "network-alias"), ...list(flags, "net-alias")],
    publish: list(flags, "publish"),
    expose: list(flags, "expose"),
    publishAll: bool(flags, "publish-all"),
    capAdd: list(flags, "cap-add"),
    capDrop: list(flags, "cap-drop"),
    volumes: list(flags, "volume"),
    tmpfs: list(flags, "tmpfs"),
    restart: str(flags, "restart"),
    addHost: list(flags, "add-host"),
    dns: list(flags, "dns"),
    dnsSearch: list(flags, "dns-search"),
    dnsOption: [...list(flags, "dns-option"), ...list(flags, "dns-opt")],
    groupAdd: list(flags, "group-add"),
    securityOpt: list(flags, "security-opt"),
    sysctl: (flags.flags.sysctl as Record<string, string>) ?? {},
    memory: ifChanged<number>(flags, "memory"),
    nanoCpus: cpus !== undefined ? Math.round(Number(cpus) * 1e9) : undefined,
    pidsLimit: ifChanged<number>(flags, "pids-limit"),
    shmSize: ifChanged<number>(flags, "shm-size"),
    logDriver: opt("log-driver"),
    logOpt: list(flags, "log-opt"),
    pid: opt("pid"),
    ipc: opt("ipc"),
    uts: opt("uts"),
    userns: opt("userns"),
    runtime: opt("runtime"),
    platform: opt("platform"),
    mounts: list(flags, "mount"),
    ulimits: list(flags, "ulimit"),
    devices: list(flags, "device"),
    links: list(flags, "link"),
    volumesFrom: list(flags, "volumes-from"),
    volumeDriver: opt("volume-driver"),
    annotations: (flags.flags.annotation as Record<string, string>) ?? {},
    cgroupns: opt("cgroupns"),
    cgroupParent: opt("cgroup-parent"),
    cpuShares: ifChanged<number>(flags, "cpu-shares"),
    memorySwap: flags.changed.has("memory-swap") ? Number(str(flags, "memory-swap")) : undefined,
    memoryReservation: ifChanged<number>(flags, "memory-reservation"),
    oomKillDisable: ifChanged<boolean>(flags, "oom-kill-disable"),
    oomScoreAdj: ifChanged<number>(flags, "oom-score-adj"),
    ip: opt("ip"),
    ip6: opt("ip6"),
    linkLocalIps: list(flags, "link-local-ip"),
    macAddress: opt("mac-address"),
    resources: readResourceFlags(flags),
    health: {
      cmd: opt("health-cmd"),
      interval: ifChanged<number>(flags, "health-interval"),
      timeout: ifChanged<number>(flags, "health-timeout"),
      startPeriod: ifChanged<number>(flags, "health-start-period"),
      startInterval: ifChanged<number>(flags, "health-start-interval"),
      retries: ifChanged<number>(flags, "health-retries"),
      none: bool(flags, "no-healthcheck"),
    },
  });
  return {
    ...base,
    pull: str(flags, "pull"),
    quiet: bool(flags, "quiet"),
    useApiSocket: bool(flags, "use-api-socket"),
  };
}

function validateAttach(value: string): string {
  const s = value.toLowerCase();
  if (s === "stdin" || s === "stdout" || s === "stderr") return s;
  throw new Error("valid streams are STDIN, STDOUT and STDERR");
}

export function validateCpus(value: string): string {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) {
    throw new Error(`failed to parse ${value} as a rational number`);
  }
  const n = Number(value) * 1e9;
  if (!Number.isInteger(Math.round(n)) || Math.abs(n - Math.round(n)) > 1e-3) {
    throw new Error("value is too precise");
  }
  return value;
}
