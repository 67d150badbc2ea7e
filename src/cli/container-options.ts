import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type {
  ContainerCreateRequest,
  EndpointSettings,
  HostConfig,
  NetworkingConfig,
  RestartPolicy,
} from "../client/index.ts";
import { csvFields } from "./flags/csv-record.ts";
import { kvStringsToMap, readKvStrings, validateEnv } from "./flags/key-value.ts";
import { parseDevice, parseMount, parseUlimit } from "./mount-spec.ts";
import { parsePortSpecs } from "./port-specs.ts";
import { type ResourceFlags, resourceHostConfig } from "./resource-flags.ts";

/**
 * What `create` and `run` know about the container to make, already typed (the flags have been
 * read). `buildCreateRequest` turns it into the POST /containers/create body, following the
 * docker CLI's parse() (cli/command/container/opts.go) for the flags kapsel supports.
 */
export interface ContainerOptions {
  image: string;
  args: string[];
  /** the cgroup and device flags of resource-flags.ts, as given */
  resources?: ResourceFlags;
  name?: string;
  /** -a: stdin, stdout, stderr (lower case) */
  attach: string[];
  interactive: boolean;
  tty: boolean;
  env: string[];
  envFile: string[];
  labels: string[];
  labelFile: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  domainname?: string;
  /** undefined: the image's; "": reset to none (`--entrypoint=`) */
  entrypoint?: string;
  stopSignal?: string;
  /** undefined unless --stop-timeout was given */
  stopTimeout?: number;
  /** undefined unless --init was given */
  init?: boolean;
  autoRemove: boolean;
  privileged: boolean;
  readOnly: boolean;
  cidfile?: string;
  networks: string[];
  networkAliases: string[];
  publish: string[];
  expose: string[];
  publishAll: boolean;
  capAdd: string[];
  capDrop: string[];
  volumes: string[];
  tmpfs: string[];
  restart?: string;
  addHost: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  groupAdd: string[];
  securityOpt: string[];
  sysctl: Record<string, string>;
  memory?: number;
  nanoCpus?: number;
  pidsLimit?: number;
  shmSize?: number;
  logDriver?: string;
  logOpt: string[];
  pid?: string;
  ipc?: string;
  uts?: string;
  userns?: string;
  runtime?: string;
  platform?: string;
  mounts: string[];
  ulimits: string[];
  devices: string[];
  links: string[];
  volumesFrom: string[];
  volumeDriver?: string;
  annotations: Record<string, string>;
  cgroupns?: string;
  cgroupParent?: string;
  cpuShares?: number;
  memorySwap?: number;
  memoryReservation?: number;
  oomKillDisable?: boolean;
  oomScoreAdj?: number;
  ip?: string;
  ip6?: string;
  linkLocalIps?: string[];
  macAddress?: string;
  health: HealthOptions;
}

/** The --health-* flags; durations in nanoseconds. */
export interface HealthOptions {
  cmd?: string;
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
  none?: boolean;
}

/** Defaults for every list and switch, so tests and callers can give only what they set. */
export function containerOptions(partial: Partial<ContainerOptions> & { image: string }): ContainerOptions {
  return {
    args: [],
    attach: [],
    interactive: false,
    tty: false,
    env: [],
    envFile: [],
    labels: [],
    labelFile: [],
    autoRemove: false,
    privileged: false,
    readOnly: false,
    networks: [],
    networkAliases: [],
    publish: [],
    expose: [],
    publishAll: false,
    capAdd: [],
    capDrop: [],
    volumes: [],
    tmpfs: [],
    addHost: [],
    dns: [],
    dnsSearch: [],
    dnsOption: [],
    groupAdd: [],
    securityOpt: [],
    sysctl: {},
    logOpt: [],
    mounts: [],
    ulimits: [],
    devices: [],
    links: [],
    volumesFrom: [],
    annotations: {},
    health: {},
    ...partial,
  };
}

/** opts.ParseRestartPolicy */
export function parseRestartPolicy(policy: string | undefined): RestartPolicy {
  if (!policy) return { Name: "" };
  const colon = policy.indexOf(":");
  const name = colon < 0 ? policy : policy.slice(0, colon);
  const count = colon < 0 ? "" : policy.slice(colon + 1);
  if (colon >= 0 && name === "")
    throw new Error("invalid restart policy format: no policy provided before colon");
  const p: RestartPolicy = { Name: name as RestartPolicy["Name"] };
  if (count !== "") {
    if (!/^[-+]?\d+$/.test(count)) {
      throw new Error("invalid restart policy format: maximum retry count must be an integer");
    }
    p.MaximumRetryCount = Number(count);
  }
  return p;
}

const SPECIAL_NETWORKS = new Set(["default", "bridge", "host", "none"]);

function isUserDefined(network: string): boolean {
  return !SPECIAL_NETWORKS.has(network) && !network.startsWith("container:");
}

/**
 * The create body. `env` is the local environment (for bare `-e KEY`); `consoleSize` is the
 * local terminal's [height, width]. Throws Docker's messages for invalid combinations.
 */
/**
 * The docker CLI's parseSecurityOpts and parseSystemPaths: every option but no-new-privileges
 * needs a value; seccomp=<file> sends the profile's JSON, compacted; systempaths=unconfined is
 * not sent but becomes empty MaskedPaths and ReadonlyPaths.
 */
export function parseSecurityOpts(opts: readonly string[]): {
  securityOpt: string[];
  unconfinedPaths: boolean;
} {
  const securityOpt: string[] = [];
  let unconfinedPaths = false;
  for (const opt of opts) {
    let at = opt.indexOf("=");
    if (at < 0 && opt !== "no-new-privileges") at = opt.indexOf(":");
    const key = at < 0 ? opt : opt.slice(0, at);
    const value = at < 0 ? "" : opt.slice(at + 1);
    if ((at < 0 || value === "") && key !== "no-new-privileges")
      throw new Error(`Invalid --security-opt: "${opt}"`);
    if (opt === "systempaths=unconfined") {
      unconfinedPaths = true;
      continue;
    }
    if (key === "seccomp" && value !== "builtin" && value !== "unconfined") {
      let text: string;
      try {
        text = readFileSync(value, "utf8");
      } catch (err) {
        throw new Error(`opening seccomp profile (${value}) failed: ${(err as Error).message}`);
      }
      try {
        securityOpt.push(`seccomp=${JSON.stringify(JSON.parse(text))}`);
      } catch (err) {
        throw new Error(`compacting json for seccomp profile (${value}) failed: ${(err as Error).message}`);
      }
      continue;
    }
    securityOpt.push(opt);
  }
  return { securityOpt, unconfinedPaths };
}

export function buildCreateRequest(
  o: ContainerOptions,
  env: Record<string, string | undefined> = {},
  consoleSize: [number, number] = [0, 0],
): ContainerCreateRequest {
  let attachStdin = o.attach.includes("stdin");
  let attachStdout = o.attach.includes("stdout");
  let attachStderr = o.attach.includes("stderr");
  if (o.interactive) attachStdin = true;
  if (o.attach.length === 0) {
    attachStdout = true;
    attachStderr = true;
  }

  // a volume with a host side (bind or named) is a Bind; a bare container path is anonymous
  const binds: string[] = [];
  const volumes: Record<string, Record<string, never>> = {};
  for (const spec of o.volumes) {
    const parts = spec.split(":");
    if (parts.length >= 2 && parts[0] !== "") {
      const [host, ...rest] = parts;
      const hostPart = !host.startsWith("/") && host.startsWith(".") ? resolve(host) : host;
      binds.push([hostPart, ...rest].join(":"));
    } else {
      volumes[spec] = {};
    }
  }

  const tmpfs: Record<string, string> = {};
  for (const t of o.tmpfs) {
    const colon = t.indexOf(":");
    if (colon < 0) tmpfs[t] = "";
    else tmpfs[t.slice(0, colon)] = t.slice(colon + 1);
  }

  const { exposed, bindings } = parsePortSpecs(o.publish, o.expose);
  const lookup = (k: string) => env[k];
  const envVars = readKvStrings(
    o.envFile,
    o.env.map((e) => validateEnv(e, (k) => env[k])),
    lookup,
  );
  const labels = readKvStrings(o.labelFile, o.labels);

  const restartPolicy = parseRestartPolicy(o.restart);
  if (o.autoRemove && restartPolicy.Name !== "" && restartPolicy.Name !== "no") {
    throw new Error("conflicting options: cannot specify both --restart and --rm");
  }

  const logConfig: Record<string, string> = {};
  for (const opt of o.logOpt) {
    const eq = opt.indexOf("=");
    if (eq < 0) throw new Error(`invalid key/value pair format in logging opts: ${opt}`);
    logConfig[opt.slice(0, eq)] = opt.slice(eq + 1);
  }
  if (o.logDriver === "none" && o.logOpt.length > 0) {
    throw new Error(`invalid logging opts for driver ${o.logDriver}`);
  }

  const networkMode = o.networks.length > 0 ? parseNetworkAttachment(o.networks[0]).target : "default";
  const security = parseSecurityOpts(o.securityOpt);
  const hostConfig: HostConfig = {
    Binds: binds.length > 0 ? binds : null,
    ContainerIDFile: o.cidfile ?? "",
    LogConfig: { Type: o.logDriver ?? "", Config: logConfig },
    NetworkMode: networkMode,
    PortBindings: bindings,
    RestartPolicy: restartPolicy,
    AutoRemove: o.autoRemove,
    ConsoleSize: consoleSize,
    CapAdd: o.capAdd.length > 0 ? o.capAdd : null,
    CapDrop: o.capDrop.length > 0 ? o.capDrop : null,
    Dns: o.dns,
    DnsOptions: o.dnsOption,
    DnsSearch: o.dnsSearch,
    ExtraHosts: o.addHost.length > 0 ? o.addHost : null,
    GroupAdd: o.groupAdd.length > 0 ? o.groupAdd : null,
    IpcMode: o.ipc ?? "",
    PidMode: o.pid ?? "",
    UTSMode: o.uts ?? "",
    UsernsMode: o.userns ?? "",
    Privileged: o.privileged,
    PublishAllPorts: o.publishAll,
    ReadonlyRootfs: o.readOnly,
    SecurityOpt: security.securityOpt.length > 0 ? security.securityOpt : null,
    ...(security.unconfinedPaths ? { MaskedPaths: [], ReadonlyPaths: [] } : {}),
    Tmpfs: tmpfs,
    Sysctls: o.sysctl,
    Runtime: o.runtime ?? "",
  };
  if (o.resources) Object.assign(hostConfig, resourceHostConfig(o.resources));
  if (o.mounts.length > 0) hostConfig.Mounts = o.mounts.map(parseMount);
  if (o.ulimits.length > 0) hostConfig.Ulimits = o.ulimits.map(parseUlimit);
  if (o.devices.length > 0) hostConfig.Devices = o.devices.map(parseDevice);
  if (o.links.length > 0) hostConfig.Links = o.links;
  if (o.volumesFrom.length > 0) hostConfig.VolumesFrom = o.volumesFrom;
  if (o.volumeDriver) hostConfig.VolumeDriver = o.volumeDriver;
  if (Object.keys(o.annotations).length > 0) hostConfig.Annotations = o.annotations;
  if (o.cgroupns) hostConfig.CgroupnsMode = o.cgroupns;
  if (o.cgroupParent) hostConfig.CgroupParent = o.cgroupParent;
  if (o.cpuShares !== undefined) hostConfig.CpuShares = o.cpuShares;
  if (o.memorySwap !== undefined) hostConfig.MemorySwap = o.memorySwap;
  if (o.memoryReservation !== undefined) hostConfig.MemoryReservation = o.memoryReservation;
  if (o.oomKillDisable !== undefined) hostConfig.OomKillDisable = o.oomKillDisable;
  if (o.oomScoreAdj !== undefined) hostConfig.OomScoreAdj = o.oomScoreAdj;
  if (o.init !== undefined) hostConfig.Init = o.init;
  if (o.memory !== undefined) hostConfig.Memory = o.memory;
  if (o.nanoCpus !== undefined) hostConfig.NanoCpus = o.nanoCpus;
  if (o.pidsLimit !== undefined) hostConfig.PidsLimit = o.pidsLimit;
  if (o.shmSize !== undefined) hostConfig.ShmSize = o.shmSize;

  const body: ContainerCreateRequest = {
    Hostname: o.hostname ?? "",
    Domainname: o.domainname ?? "",
    User: o.user ?? "",
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ExposedPorts: exposed,
    Tty: o.tty,
    OpenStdin: o.interactive,
    // when stdin is attached, close it when the client disconnects
    StdinOnce: o.interactive && attachStdin,
    Env: envVars,
    Cmd: o.args.length > 0 ? o.args : null,
    Image: o.image,
    Volumes: volumes,
    WorkingDir: o.workdir ?? "",
    Entrypoint: o.entrypoint === undefined ? null : [o.entrypoint],
    Labels: kvStringsToMap(labels),
    StopSignal: o.stopSignal ?? "",
    ArgsEscaped: false,
    HostConfig: hostConfig,
    NetworkingConfig: networkingConfig(o),
  };
  if (o.stopTimeout !== undefined) body.StopTimeout = o.stopTimeout;
  const health = healthConfig(o.health);
  if (health) body.Healthcheck = health;
  if (o.macAddress) body.MacAddress = o.macAddress;
  return body;
}

/** docker's healthcheck flags: --no-healthcheck, or any --health-* makes a HealthConfig. */
function healthConfig(h: HealthOptions): ContainerCreateRequest["Healthcheck"] {
  const any =
    (h.cmd ?? "") !== "" ||
    !!h.interval ||
    !!h.timeout ||
    !!h.startPeriod ||
    !!h.retries ||
    !!h.startInterval;
  if (h.none) {
    if (any) throw new Error("--no-healthcheck conflicts with --health-* options");
    return { Test: ["NONE"] };
  }
  if (!any) return undefined;
  for (const [name, v] of [
    ["interval", h.interval],
    ["timeout", h.timeout],
    ["retries", h.retries],
    ["start-period", h.startPeriod],
    ["start-interval", h.startInterval],
  ] as const) {
    if ((v ?? 0) < 0) throw new Error(`--health-${name} cannot be negative`);
  }
  return {
    Test: h.cmd ? ["CMD-SHELL", h.cmd] : undefined,
    Interval: h.interval ?? 0,
    Timeout: h.timeout ?? 0,
    StartPeriod: h.startPeriod ?? 0,
    StartInterval: h.startInterval ?? 0,
    Retries: h.retries ?? 0,
  };
}

/** One --network value: a name, or docker's long syntax (opts.NetworkOpt). */
interface NetworkAttachment {
  target: string;
  aliases: string[];
  driverOpts?: Record<string, string>;
  links: string[];
  ip?: string;
  ip6?: string;
  linkLocalIps: string[];
  macAddress?: string;
  gwPriority: number;
}

/** docker's NetworkOpt.Set: "name=n1,alias=a,driver-opt=k=v,gw-priority=1,..." or a plain name. */
export function parseNetworkAttachment(value: string): NetworkAttachment {
  const n: NetworkAttachment = { target: value, aliases: [], links: [], linkLocalIps: [], gwPriority: 0 };
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) return n;
  n.target = "";
  for (const field of csvFields(value)) {
    // docker lower-cases the whole field (keys and values alike)
    const lower = field.toLowerCase();
    const eq = lower.indexOf("=");
    if (eq <= 0) throw new Error(`invalid field ${field}`);
    const key = lower.slice(0, eq).trim();
    const val = lower.slice(eq + 1).trim();
    if (key === "name") n.target = val;
    else if (key === "alias") n.aliases.push(val);
    else if (key === "ip") n.ip = val;
    else if (key === "ip6") n.ip6 = val;
    else if (key === "mac-address") n.macAddress = val;
    else if (key === "link-local-ip") n.linkLocalIps.push(val);
    else if (key === "driver-opt") {
      const deq = val.indexOf("=");
      if (deq <= 0) throw new Error("invalid key value pair format in driver options");
      n.driverOpts = { ...n.driverOpts, [val.slice(0, deq).trim()]: val.slice(deq + 1).trim() };
    } else if (key === "gw-priority") {
      if (!/^[+-]?\d+$/.test(val)) throw new Error(`invalid gw-priority (${val}): invalid syntax`);
      n.gwPriority = Number(val);
    } else throw new Error(`invalid field key ${key}`);
  }
  if (n.target === "") throw new Error("network name/id is not specified");
  return n;
}

/** docker's parseNetworkOpts: the first (or default) network also gets --network-alias, --ip... */
function networkingConfig(o: ContainerOptions): NetworkingConfig {
  const endpoints: Record<string, EndpointSettings> = {};
  const attachments = o.networks.map(parseNetworkAttachment);
  if (attachments.length === 0) {
    endpoints.default = endpointSettings(withContainerOptions(parseNetworkAttachment("default"), o));
    return { EndpointsConfig: endpoints };
  }
  let userDefined = false;
  let special = false;
  attachments.forEach((n, i) => {
    if (isUserDefined(n.target)) userDefined = true;
    else special = true;
    const ep = endpointSettings(i === 0 ? withContainerOptions(n, o) : n);
    if (n.target in endpoints) throw new Error(`network "${n.target}" is specified multiple times`);
    // one network without options: leave the endpoint out, the daemon makes it
    if (i === 0 && attachments.length === 1 && Object.keys(ep).length === 0) return;
    endpoints[n.target] = ep;
  });
  if (userDefined && special) {
    throw new Error(
      "conflicting options: cannot attach both user-defined and non-user-defined network-modes",
    );
  }
  return { EndpointsConfig: endpoints };
}

/** docker's applyContainerOptions: the non-advanced flags onto the first network. */
function withContainerOptions(n: NetworkAttachment, o: ContainerOptions): NetworkAttachment {
  const clash = (what: string, per: string) =>
    new Error(`conflicting options: cannot specify both ${what} and ${per}`);
  if (n.aliases.length > 0 && o.networkAliases.length > 0)
    throw clash("--network-alias", "per-network alias");
  if (n.ip && o.ip) throw clash("--ip", "per-network IPv4 address");
  if (n.ip6 && o.ip6) throw clash("--ip6", "per-network IPv6 address");
  if (n.macAddress && o.macAddress) throw clash("--mac-address", "per-network MAC address");
  if (n.linkLocalIps.length > 0 && o.linkLocalIps?.length)
    throw clash("--link-local-ip", "per-network link-local IP addresses");
  return {
    ...n,
    aliases: o.networkAliases.length > 0 ? [...o.networkAliases] : n.aliases,
    // on a user network --link is an alias of the endpoint; on the default bridge a legacy link
    links: isUserDefined(n.target) && o.links.length > 0 ? [...o.links] : n.links,
    ip: o.ip || n.ip,
    ip6: o.ip6 || n.ip6,
    macAddress: o.macAddress || n.macAddress,
    linkLocalIps: o.linkLocalIps?.length ? [...o.linkLocalIps] : n.linkLocalIps,
  };
}

/** docker's parseNetworkAttachmentOpt. */
function endpointSettings(n: NetworkAttachment): EndpointSettings {
  if (n.target.trim() === "") throw new Error("no name set for network");
  if (!isUserDefined(n.target)) {
    if (n.aliases.length > 0)
      throw new Error("network-scoped aliases are only supported for user-defined networks");
    if (n.links.length > 0) throw new Error("links are only supported for user-defined networks");
  }
  const ep: EndpointSettings = {};
  if (n.gwPriority) ep.GwPriority = n.gwPriority;
  if (n.aliases.length > 0) ep.Aliases = [...n.aliases];
  if (n.driverOpts) ep.DriverOpts = n.driverOpts;
  if (n.links.length > 0) ep.Links = [...n.links];
  if (n.ip || n.ip6 || n.linkLocalIps.length > 0)
    ep.IPAMConfig = {
      IPv4Address: n.ip ?? "",
      IPv6Address: n.ip6 ?? "",
      ...(n.linkLocalIps.length > 0 ? { LinkLocalIPs: [...n.linkLocalIps] } : {}),
    };
  if (n.macAddress) {
    if (!/^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(n.macAddress))
      throw new Error(`${n.macAddress} is not a valid mac address`);
    ep.MacAddress = n.macAddress;
  }
  return ep;
}
