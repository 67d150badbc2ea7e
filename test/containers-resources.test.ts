import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// Resource options that reach the container's cgroup, or come back with Docker's warning or
// error when this host cannot apply them: never dropped without a word.
describe("resource options: cgroup parent, block I/O, realtime, devices, isolation", () => {
  let d: TestDaemon;
  /** a block device of this host, by path, and its numbers */
  const disk = ["/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda"].find((p) => existsSync(p));
  const blkio = "/sys/fs/cgroup/blkio";
  const cli = (name: "docker" | "kapsel") => (args: string[]) =>
    d[name](["run", "--rm", "--network", "none", ...args]);
  const run = cli("docker");
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  test("--cgroup-parent: the container's cgroup is <parent>/<id>, and stats read it there", async () => {
    const r = await d.docker([
      "run",
      "-d",
      "--network",
      "none",
      "--cgroup-parent",
      "/kapsel-test-parent",
      "-m",
      "32m",
      "busybox",
      "sleep",
      "300",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    try {
      const own = (await d.docker(["exec", id, "cat", "/proc/self/cgroup"])).stdout;
      assert.match(own, new RegExp(`:memory:/kapsel-test-parent/${id}\\n`));
      const stats = await d.api("GET", `/containers/${id}/stats?stream=false`);
      assert.equal(
        (stats.json() as { memory_stats: { limit: number } }).memory_stats.limit,
        32 * 1024 * 1024,
      );
    } finally {
      await d.docker(["rm", "-f", id]);
      // runc removes the container's cgroup, not the parent (nor does Docker)
      for (const h of readdirSync("/sys/fs/cgroup")) {
        try {
          rmdirSync(`/sys/fs/cgroup/${h}/kapsel-test-parent`);
        } catch {}
      }
    }
  });

  for (const name of ["docker", "kapsel"] as const) {
    test(`${name}: --device-read-bps and --device-write-iops limit the device, by its numbers`, {
      skip: disk ? false : "no block device to limit",
    }, async () => {
      const rdev = statSync(disk as string).rdev;
      const dev = `${Math.floor(rdev / 256) & 0xfff}:${rdev & 0xff}`;
      const r = await cli(name)([
        "--device-read-bps",
        `${disk}:1mb`,
        "--device-write-iops",
        `${disk}:100`,
        "busybox",
        "cat",
        `${blkio}/blkio.throttle.read_bps_device`,
        `${blkio}/blkio.throttle.write_iops_device`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${dev} 1048576\n${dev} 100\n`);
      const missing = await cli(name)(["--device-read-bps", "/dev/nonexistent:1mb", "busybox", "true"]);
      // a start error that says "no such file or directory" exits 127
      assert.equal(missing.code, 127);
      assert.match(missing.stderr, /stat \/dev\/nonexistent: no such file or directory/);
    });

    test(`${name}: resource flags are checked as the docker CLI checks them`, async () => {
      const refused = async (args: string[], code: number, re: RegExp) => {
        const r = await cli(name)([...args, "busybox", "true"]);
        assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, re, args.join(" "));
      };
      await refused(["--device-read-bps", "vda:1mb"], 125, /bad format for device path: vda:1mb/);
      await refused(["--device-write-bps", "/dev/vda:x"], 125, /invalid rate for device: \/dev\/vda:x/);
      await refused(["--device-read-iops", "/dev/vda"], 125, /bad format: \/dev\/vda/);
      await refused(["--blkio-weight-device", "/dev/vda:5"], 125, /invalid weight for device: \/dev\/vda:5/);
      await refused(["--blkio-weight", "70000"], 125, /parsing "70000": value out of range/);
      await refused(["--device-cgroup-rule", "bogus"], 125, /invalid device cgroup format 'bogus'/);
      await refused(
        ["--gpus", "count=x"],
        125,
        /invalid count \(x\): value must be either "all" or an integer/,
      );
      await refused(
        ["--memory-swappiness", "101"],
        125,
        /invalid value: 101\. Valid memory swappiness range is 0-100/,
      );
      await refused(["--storage-opt", "bogus"], 125, /invalid storage option/);
      // the daemon's checks (moby's verifyPlatformContainerResources)
      await refused(
        ["--memory", "4m"],
        125,
        /Error response from daemon: Minimum memory limit allowed is 6MB/,
      );
      await refused(
        ["--memory", "64m", "--memory-swap", "32m"],
        125,
        /Minimum memoryswap limit should be larger than memory limit, see usage/,
      );
      const ncpu = availableParallelism();
      await refused(
        ["--cpus", String(ncpu + 1)],
        125,
        new RegExp(`range of CPUs is from 0\\.01 to ${ncpu}\\.00, as there are only ${ncpu} CPUs available`),
      );
      await refused(
        ["--cpuset-cpus", "0-4095"],
        125,
        /Requested CPUs are not available - requested 0-4095, available: /,
      );
      for (const flag of ["--cpu-count", "--cpu-percent", "--io-maxiops"])
        await refused(
          [flag, "1"],
          1,
          new RegExp(`"${flag}" is only supported on a Docker daemon running on windows`),
        );
      const cpus = await cli(name)([
        "--cpuset-cpus",
        "0",
        "--cpu-period",
        "50000",
        "--cpu-quota",
        "20000",
        "--memory-swappiness",
        "10",
        "--device-cgroup-rule",
        "c 42:* rmw",
        "busybox",
        "sh",
        "-c",
        "cat /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory/memory.swappiness; grep '^c 42' /sys/fs/cgroup/devices/devices.list",
      ]);
      assert.equal(cpus.stdout, "0\n20000\n10\nc 42:* rwm\n", cpus.stderr);
    });

    test(`${name}: --gpus and --isolation: no device driver here, one isolation on Linux`, async () => {
      const gpu = await cli(name)(["--gpus", "all", "busybox", "true"]);
      assert.equal(gpu.code, 125);
      assert.match(gpu.stderr, /could not select device driver "" with capabilities: \[\[gpu\]\]/);
      const nvidia = await cli(name)(["--gpus", "driver=nvidia,capabilities=compute", "busybox", "true"]);
      assert.match(
        nvidia.stderr,
        /could not select device driver "nvidia" with capabilities: \[\[compute gpu\]\]/,
      );
      assert.equal((await cli(name)(["--isolation", "default", "busybox", "true"])).code, 0);
      const isolation = await cli(name)(["--isolation", "hyperv", "busybox", "true"]);
      assert.equal(isolation.code, 125);
      assert.match(isolation.stderr, /invalid isolation 'hyperv' on linux/);
    });
  }

  test("what the host's blkio cgroup lacks is discarded with Docker's warning", async () => {
    const weightDevice = existsSync(`${blkio}/blkio.weight_device`);
    const r = await d.docker(["create", "--blkio-weight-device", `${disk ?? "/dev/null"}:200`, "busybox"]);
    assert.equal(r.code, 0, r.stderr);
    if (!weightDevice && existsSync(blkio)) {
      assert.match(
        r.stderr,
        /WARNING: Your kernel does not support Block I\/O weight_device .* Weight-device discarded\./,
      );
      const hc = (await d.api("GET", `/containers/${r.stdout.trim()}/json`)).json() as {
        HostConfig: { BlkioWeightDevice: unknown[] };
      };
      assert.deepEqual(hc.HostConfig.BlkioWeightDevice, []);
    }
    const range = await d.docker(["create", "--blkio-weight", "5", "busybox"]);
    if (existsSync(`${blkio}/blkio.weight`) || !existsSync(blkio)) {
      assert.equal(range.code, 125);
      assert.match(range.stderr, /Range of blkio weight is from 10 to 1000/);
    } else assert.match(range.stderr, /Weight discarded\./);
  });

  test("--cpu-rt-runtime goes to runc, which refuses it where the parent has no realtime budget", async () => {
    const budget = Number(readFileSync("/sys/fs/cgroup/cpu/cpu.rt_runtime_us", "utf8").trim() || 0);
    const r = await run(["--cpu-rt-runtime", "1000", "busybox", "true"]);
    // the host's root has a budget, but kapsel's parent cgroup starts with none (as Docker's
    // /docker does without --cpu-rt-runtime on the daemon)
    if (budget > 0) {
      assert.equal(r.code, 125);
      assert.match(r.stderr, /cpu\.rt_runtime_us/);
    }
  });
});
