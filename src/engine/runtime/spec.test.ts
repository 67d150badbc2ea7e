import assert from "node:assert/strict";
import { test } from "node:test";
import { isKind } from "../../lib/errors.ts";
import { hostCapabilities, hostHardLimits } from "./host-facts.ts";
import {
  buildSpec,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH_ENV,
  execProcessSpec,
  serializeSpec,
} from "./spec.ts";

const base = { rootfs: "/tmp/rootfs", args: ["sh"] };

test("buildSpec gives Docker's defaults for a plain container", () => {
  const spec = buildSpec({ ...base, hostname: "abc123", env: ["FOO=1"] });
  const p = spec.process!;
  assert.deepEqual(p.args, ["sh"]);
  assert.equal(p.cwd, "/");
  assert.deepEqual(p.user, { uid: 0, gid: 0 });
  assert.equal(p.noNewPrivileges, false);
  assert.equal(p.terminal, false);
  assert.deepEqual(p.env, [DEFAULT_PATH_ENV, "HOSTNAME=abc123", "FOO=1"]);
  const expectedCaps = DEFAULT_CAPABILITIES.filter((c) => hostCapabilities().includes(c));
  assert.deepEqual(p.capabilities?.bounding, expectedCaps);
  assert.deepEqual(p.capabilities?.effective, expectedCaps);
  assert.equal(p.capabilities?.inheritable, undefined);
  assert.deepEqual(
    spec.mounts?.map((m) => m.destination),
    ["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"],
  );
  assert.ok(spec.mounts?.find((m) => m.destination === "/dev/shm")?.options?.includes("size=67108864"));
  assert.deepEqual(
    spec.linux?.namespaces?.map((n) => n.type),
    ["pid", "ipc", "uts", "mount", "network"],
  );
  assert.deepEqual(spec.linux?.maskedPaths, DEFAULT_MASKED_PATHS);
  assert.ok(spec.linux?.readonlyPaths?.includes("/proc/sys"));
  assert.deepEqual(spec.linux?.resources?.devices, [{ allow: false, access: "rwm" }]);
  assert.equal(spec.hostname, "abc123");
  assert.equal(spec.root?.readonly, false);
  assert.equal(spec.linux?.sysctl?.["net.ipv4.ip_unprivileged_port_start"], "0");
  assert.equal(spec.linux?.cgroupsPath, undefined); // Runtime.create fills in <parent>/<id>
});

test("buildSpec lets the user's env override the daemon's and adds TERM with a tty", () => {
  const spec = buildSpec({ ...base, terminal: true, env: ["PATH=/custom", "TERM=vt100", "A=b=c"] });
  assert.deepEqual(spec.process?.env, ["PATH=/custom", "TERM=vt100", "A=b=c"]);
  assert.equal(spec.process?.terminal, true);
});

test("buildSpec joins or shares namespaces as asked", () => {
  const spec = buildSpec({
    ...base,
    hostname: "h",
    network: "host",
    ipc: { path: "/proc/42/ns/ipc" },
    pid: "host",
    uts: "host",
  });
  assert.deepEqual(spec.linux?.namespaces, [{ type: "ipc", path: "/proc/42/ns/ipc" }, { type: "mount" }]);
  assert.equal(spec.hostname, undefined, "runc refuses a hostname without a private uts namespace");
  assert.deepEqual(spec.linux?.sysctl, {});
  const netns = buildSpec({ ...base, network: { path: "/run/netns/x" } });
  assert.deepEqual(netns.linux?.namespaces?.at(-1), { type: "network", path: "/run/netns/x" });
});

test("buildSpec --privileged: every host capability, no masks, writable /sys, all devices", () => {
  const spec = buildSpec({ ...base, privileged: true });
  assert.deepEqual(spec.process?.capabilities?.bounding, hostCapabilities());
  assert.equal(spec.linux?.maskedPaths, undefined);
  assert.equal(spec.linux?.readonlyPaths, undefined);
  assert.ok(!spec.mounts?.find((m) => m.destination === "/sys")?.options?.includes("ro"));
  assert.deepEqual(spec.linux?.resources?.devices, [{ allow: true, access: "rwm" }]);
  assert.ok(spec.linux?.devices?.some((d) => d.path === "/dev/null" && d.major === 1 && d.minor === 3));
});

test("buildSpec applies cap-add and cap-drop as Docker does", () => {
  const caps = (capAdd: string[], capDrop: string[]) =>
    buildSpec({ ...base, capAdd, capDrop }).process?.capabilities?.bounding ?? [];
  assert.ok(caps(["net_admin"], []).includes("CAP_NET_ADMIN"));
  assert.ok(!caps([], ["CHOWN"]).includes("CAP_CHOWN"));
  assert.deepEqual(caps(["KILL"], ["ALL"]), ["CAP_KILL"]);
  assert.deepEqual(
    caps(["ALL"], ["CAP_MKNOD"]),
    hostCapabilities().filter((c) => c !== "CAP_MKNOD"),
  );
  assert.throws(
    () => caps(["NOT_A_CAP"], []),
    (e) => isKind(e, "invalid"),
  );
});

test("buildSpec gives a non-root user no effective capabilities, as execve would", () => {
  const p = buildSpec({ ...base, user: { uid: 1000, gid: 1000, additionalGids: [10] } }).process!;
  assert.deepEqual(p.user, { uid: 1000, gid: 1000, additionalGids: [10] });
  assert.ok(p.capabilities?.bounding?.length);
  assert.equal(p.capabilities?.effective, undefined);
});

test("buildSpec --init runs the command under /sbin/docker-init, bind-mounted read-only", () => {
  const spec = buildSpec({ ...base, args: ["sleep", "9"], init: true });
  assert.deepEqual(spec.process?.args, ["/sbin/docker-init", "--", "sleep", "9"]);
  assert.deepEqual(spec.mounts?.at(-1), {
    destination: "/sbin/docker-init",
    type: "bind",
    source: "/usr/bin/catatonit",
    options: ["bind", "ro"],
  });
  const tini = buildSpec({ ...base, init: "/usr/local/bin/tini-static" });
  assert.equal(tini.mounts?.at(-1)?.source, "/usr/local/bin/tini-static");
});

test("buildSpec mounts: user mounts replace defaults, go shallowest first, carry Docker's options", () => {
  const spec = buildSpec({
    ...base,
    mounts: [
      { type: "bind", source: "/host/a/b", destination: "/data/sub", readonly: true },
      { type: "bind", source: "/host/a", destination: "/data" },
      { type: "tmpfs", destination: "/dev/shm", tmpfsSize: 1024, tmpfsMode: 0o1777 },
      { type: "tmpfs", destination: "/run", options: ["exec"] },
    ],
  });
  const dests = spec.mounts?.map((m) => m.destination) ?? [];
  assert.equal(dests.filter((d) => d === "/dev/shm").length, 1);
  assert.deepEqual(dests.slice(-4), ["/data", "/run", "/data/sub", "/dev/shm"]);
  const m = (d: string) => spec.mounts?.find((x) => x.destination === d);
  assert.deepEqual(m("/data/sub")?.options, ["rbind", "rprivate", "ro"]);
  assert.deepEqual(m("/dev/shm")?.options, ["nosuid", "nodev", "noexec", "mode=1777", "size=1024"]);
  assert.deepEqual(m("/run")?.options, ["nosuid", "nodev", "noexec", "exec"]);
});

test("buildSpec clamps ulimits to the daemon's hard limit and writes unlimited as 2^64-1", () => {
  const max = hostHardLimits().get("RLIMIT_NOFILE") ?? -1;
  const spec = buildSpec({
    ...base,
    ulimits: [
      { name: "nofile", soft: 1_048_576, hard: 1_048_576 },
      { name: "core", soft: -1, hard: -1 },
    ],
  });
  const nofile = spec.process?.rlimits?.[0];
  if (max !== -1) assert.deepEqual(nofile, { type: "RLIMIT_NOFILE", soft: max, hard: max });
  const text = serializeSpec(spec);
  if (hostHardLimits().get("RLIMIT_CORE") === -1) {
    assert.match(text, /"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615/);
  }
  assert.throws(
    () => buildSpec({ ...base, ulimits: [{ name: "bogus", soft: 1, hard: 1 }] }),
    (e) => isKind(e, "invalid"),
  );
});

test("buildSpec maps Docker's resource fields", () => {
  const r = buildSpec({
    ...base,
    resources: { memory: 64 << 20, nanoCpus: 1.5e9, pidsLimit: 100, cpusetCpus: "0", cpuShares: 512 },
    deviceCgroupRules: ["c 1:3 mr"],
  }).linux?.resources;
  assert.equal(r?.memory?.limit, 64 << 20);
  assert.deepEqual(r?.cpu, { shares: 512, period: 100_000, quota: 150_000, cpus: "0" });
  assert.deepEqual(r?.pids, { limit: 100 });
  assert.deepEqual(r?.devices?.at(-1), { allow: true, type: "c", major: 1, minor: 3, access: "mr" });
});

test("buildSpec rejects an empty command", () => {
  assert.throws(
    () => buildSpec({ ...base, args: [] }),
    (e) => isKind(e, "invalid"),
  );
});

test("execProcessSpec keeps the container's process and layers the exec's env on top", () => {
  const container = buildSpec({ ...base, env: ["A=1", "B=2"], cwd: "/srv" }).process!;
  const p = execProcessSpec(container, { args: ["ls"], env: ["B=3"], tty: true });
  assert.deepEqual(p.args, ["ls"]);
  assert.equal(p.cwd, "/srv");
  assert.equal(p.terminal, true);
  assert.deepEqual(p.env, [DEFAULT_PATH_ENV, "A=1", "B=3", "TERM=xterm"]);
  assert.deepEqual(p.capabilities, container.capabilities);
  const priv = execProcessSpec(container, { args: ["ls"], tty: false, privileged: true });
  assert.deepEqual(priv.capabilities?.bounding, hostCapabilities());
});
