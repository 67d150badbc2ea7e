import assert from "node:assert/strict";
import { test } from "node:test";
import { buildCreateRequest } from "./container-options.ts";
import { command as create } from "./create.ts";
import { command as run, toRunOptions } from "./run.ts";
import { parse } from "./test-support.ts";

const runOpts = (...argv: string[]) => toRunOptions(parse(run, argv));

test("run: flags end at the image; the rest is the container's command", () => {
  const o = runOpts("-it", "--rm", "--name", "web", "busybox", "sh", "-c", "echo -d");
  assert.equal(o.image, "busybox");
  assert.deepEqual(o.args, ["sh", "-c", "echo -d"]);
  assert.equal(o.interactive, true);
  assert.equal(o.tty, true);
  assert.equal(o.autoRemove, true);
  assert.equal(o.name, "web");
  assert.equal(o.detach, false);
  assert.equal(o.sigProxy, true);
  assert.equal(o.pull, "missing");
});

test("run: -d, -e, -l, -w, -u, -h, --entrypoint, --stop-timeout, --init, -v, -p", () => {
  const o = runOpts(
    "-d",
    "-e",
    "A=1",
    "--env=B=2",
    "-l",
    "x=y",
    "-w",
    "/work",
    "-u",
    "1000:1000",
    "-h",
    "box",
    "--entrypoint",
    "",
    "--stop-timeout",
    "3",
    "--init",
    "-v",
    "/host:/data:ro",
    "-p",
    "8080:80",
    "--network",
    "none",
    "--restart",
    "on-failure:3",
    "busybox",
  );
  assert.equal(o.detach, true);
  assert.deepEqual(o.env, ["A=1", "B=2"]);
  assert.deepEqual(o.labels, ["x=y"]);
  assert.equal(o.workdir, "/work");
  assert.equal(o.user, "1000:1000");
  assert.equal(o.hostname, "box");
  assert.equal(o.entrypoint, "");
  assert.equal(o.stopTimeout, 3);
  assert.equal(o.init, true);
  assert.deepEqual(o.volumes, ["/host:/data:ro"]);
  assert.deepEqual(o.publish, ["8080:80"]);
  assert.deepEqual(o.networks, ["none"]);
  assert.equal(o.restart, "on-failure:3");
});

test("run: options not given stay undefined, so the image's own settings apply", () => {
  const o = runOpts("busybox");
  assert.equal(o.entrypoint, undefined);
  assert.equal(o.stopTimeout, undefined);
  assert.equal(o.init, undefined);
  assert.equal(o.workdir, undefined);
  assert.equal(o.detachKeys, undefined);
});

test("run: -a takes stdin/stdout/stderr in any case and rejects the rest", () => {
  assert.deepEqual(runOpts("-a", "STDOUT", "-a", "stdin", "busybox").attach, ["stdout", "stdin"]);
  assert.throws(
    () => runOpts("-a", "foo", "busybox"),
    /invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR/,
  );
});

test("run: --memory and --shm-size read Docker's sizes, --cpus a decimal", () => {
  const o = runOpts("-m", "512m", "--shm-size", "1g", "--cpus", "1.5", "busybox");
  assert.equal(o.memory, 512 * 1024 * 1024);
  assert.equal(o.shmSize, 1024 ** 3);
  assert.equal(o.nanoCpus, 1.5e9);
});

test("create body: attach defaults, StdinOnce with -i, entrypoint reset, ports, binds", () => {
  const body = buildCreateRequest(
    runOpts(
      "-i",
      "--entrypoint=",
      "-p",
      "127.0.0.1:8080:80/udp",
      "-v",
      "/h:/c",
      "-v",
      "/anon",
      "busybox",
      "true",
    ),
    {},
    [24, 80],
  );
  assert.equal(body.AttachStdin, true);
  assert.equal(body.AttachStdout, true);
  assert.equal(body.AttachStderr, true);
  assert.equal(body.OpenStdin, true);
  assert.equal(body.StdinOnce, true);
  assert.deepEqual(body.Entrypoint, [""]);
  assert.deepEqual(body.Cmd, ["true"]);
  assert.deepEqual(body.ExposedPorts, { "80/udp": {} });
  assert.deepEqual(body.HostConfig?.PortBindings, { "80/udp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] });
  assert.deepEqual(body.HostConfig?.Binds, ["/h:/c"]);
  assert.deepEqual(body.Volumes, { "/anon": {} });
  assert.deepEqual(body.HostConfig?.ConsoleSize, [24, 80]);
  assert.equal(body.HostConfig?.NetworkMode, "default");
  assert.deepEqual(body.NetworkingConfig, { EndpointsConfig: { default: {} } });
  assert.deepEqual(body.HostConfig?.RestartPolicy, { Name: "no" });
});

test("create body: -a stdout attaches only stdout; bare -e KEY takes the local value", () => {
  const body = buildCreateRequest(runOpts("-a", "stdout", "-e", "HOME", "-e", "UNSET", "busybox"), {
    HOME: "/root",
  });
  assert.equal(body.AttachStdout, true);
  assert.equal(body.AttachStderr, false);
  assert.equal(body.AttachStdin, false);
  assert.deepEqual(body.Env, ["HOME=/root", "UNSET"]);
});

test("create body: --rm conflicts with a restart policy, as in Docker", () => {
  assert.throws(
    () => buildCreateRequest(runOpts("--rm", "--restart", "always", "busybox")),
    /conflicting options: cannot specify both --restart and --rm/,
  );
  assert.doesNotThrow(() => buildCreateRequest(runOpts("--rm", "--restart", "no", "busybox")));
});

test("create body: --network host leaves the endpoint to the daemon", () => {
  const body = buildCreateRequest(runOpts("--network", "host", "busybox"));
  assert.equal(body.HostConfig?.NetworkMode, "host");
  assert.deepEqual(body.NetworkingConfig, { EndpointsConfig: {} });
});

test("create body: --network's long syntax, as docker's NetworkOpt (fields lower-cased)", () => {
  const body = buildCreateRequest(
    runOpts(
      "--network",
      "name=front,ip=10.0.0.5,driver-opt=com.docker.network.endpoint.sysctls=net.ipv4.conf.IFNAME.log_martians=1,gw-priority=10",
      "--network",
      "back",
      "--network-alias",
      "api",
      "busybox",
    ),
  );
  assert.equal(body.HostConfig?.NetworkMode, "front");
  assert.deepEqual(body.NetworkingConfig, {
    EndpointsConfig: {
      front: {
        GwPriority: 10,
        Aliases: ["api"],
        DriverOpts: { "com.docker.network.endpoint.sysctls": "net.ipv4.conf.ifname.log_martians=1" },
        IPAMConfig: { IPv4Address: "10.0.0.5", IPv6Address: "" },
      },
      back: {},
    },
  });
  assert.throws(
    () => buildCreateRequest(runOpts("--network", "alias=x", "busybox")),
    /network name\/id is not specified/,
  );
  assert.throws(
    () => buildCreateRequest(runOpts("--network", "name=a,color=red", "busybox")),
    /invalid field key color/,
  );
  assert.throws(
    () => buildCreateRequest(runOpts("--network", "name=a,ip=10.0.0.9", "--ip", "10.0.0.5", "busybox")),
    /conflicting options: cannot specify both --ip and per-network IPv4 address/,
  );
});

test("create shares run's container flags but not -d", () => {
  assert.throws(() => parse(create, ["-d", "busybox"]), /unknown shorthand flag: 'd' in -d/);
  assert.equal(parse(create, ["--pull", "never", "busybox"]).flags.pull, "never");
});

test("run: --mount, --ulimit, --device, --health-*, --link and --ip reach the create body", () => {
  const body = buildCreateRequest(
    runOpts(
      "--mount",
      "type=bind,src=/h,dst=/c,readonly",
      "--mount",
      "type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770",
      "--ulimit",
      "nofile=1024:2048",
      "--device",
      "/dev/fuse",
      "--health-cmd",
      "true",
      "--health-interval",
      "5s",
      "--network",
      "appnet",
      "--link",
      "db",
      "--ip",
      "10.0.0.5",
      "busybox",
    ),
  );
  assert.deepEqual(body.HostConfig?.Mounts, [
    { Type: "bind", Target: "/c", Source: "/h", ReadOnly: true },
    { Type: "tmpfs", Target: "/t", TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1770 } },
  ]);
  assert.deepEqual(body.HostConfig?.Ulimits, [{ Name: "nofile", Soft: 1024, Hard: 2048 }]);
  assert.deepEqual(body.HostConfig?.Devices, [
    { PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" },
  ]);
  assert.deepEqual(body.Healthcheck, {
    Test: ["CMD-SHELL", "true"],
    Interval: 5e9,
    Timeout: 0,
    StartPeriod: 0,
    StartInterval: 0,
    Retries: 0,
  });
  assert.deepEqual(body.NetworkingConfig, {
    EndpointsConfig: { appnet: { Links: ["db"], IPAMConfig: { IPv4Address: "10.0.0.5", IPv6Address: "" } } },
  });
});

test("run: bad --mount and --ulimit values are flag errors; --no-healthcheck conflicts", () => {
  assert.throws(
    () => runOpts("--mount", "type=bind,src=/h", "busybox"),
    /for "--mount" flag: target is required/,
  );
  assert.throws(() => runOpts("--ulimit", "bogus=1", "busybox"), /invalid ulimit type: bogus/);
  assert.deepEqual(buildCreateRequest(runOpts("--no-healthcheck", "busybox")).Healthcheck, {
    Test: ["NONE"],
  });
  assert.throws(
    () => buildCreateRequest(runOpts("--no-healthcheck", "--health-retries", "2", "busybox")),
    /--no-healthcheck conflicts with --health-\* options/,
  );
});

test("run: --help is a flag of its own (as -h is --hostname)", () => {
  assert.equal(parse(run, ["--help"]).help, true);
  assert.equal(parse(run, ["-h", "box", "busybox"]).flags.hostname, "box");
});
