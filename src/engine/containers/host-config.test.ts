import assert from "node:assert/strict";
import { test } from "node:test";
import { checkExtraHost, checkNetworkMode, checkResources, normalizeHostConfig } from "./host-config.ts";

test("normalizeHostConfig: default network mode is bridge; bad port bindings are Docker 28's 400", () => {
  assert.equal(normalizeHostConfig({}).NetworkMode, "bridge");
  assert.equal(normalizeHostConfig({ NetworkMode: "default" }).NetworkMode, "bridge");
  assert.equal(normalizeHostConfig({ NetworkMode: "mynet" }).NetworkMode, "mynet");
  const ok = { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }], "53/udp": [{ HostPort: "" }] };
  assert.doesNotThrow(() => normalizeHostConfig({ PortBindings: ok }));
  assert.doesNotThrow(() => normalizeHostConfig({ PortBindings: { "80": [{ HostPort: "8000-8010" }] } }));
  assert.throws(
    () => normalizeHostConfig({ PortBindings: { "80/tcp": [{ HostPort: "70000" }] } }),
    /^KapselError: invalid port specification: "70000"$/,
  );
  assert.throws(
    () => normalizeHostConfig({ PortBindings: { "x/tcp": [] } }),
    /invalid port specification: "x"/,
  );
});

test("checkNetworkMode: what cannot go with container:<x> and host networking", () => {
  const mode = "container:other";
  assert.throws(
    () => checkNetworkMode({ Hostname: "h" }, { NetworkMode: mode }),
    /hostname and the network mode/,
  );
  assert.throws(
    () => checkNetworkMode({}, { NetworkMode: mode, Links: ["a"] }),
    /container type network can't be used with links/,
  );
  assert.throws(
    () => checkNetworkMode({}, { NetworkMode: mode, Dns: ["1.1.1.1"] }),
    /dns and the network mode/,
  );
  assert.throws(() => checkNetworkMode({}, { NetworkMode: mode, PublishAllPorts: true }), /port publishing/);
  assert.throws(
    () => checkNetworkMode({ ExposedPorts: { "80/tcp": {} } }, { NetworkMode: mode }),
    /port exposing/,
  );
  assert.throws(() => checkNetworkMode({}, { NetworkMode: "container:" }), /invalid container format/);
  assert.throws(() => checkNetworkMode({}, { NetworkMode: "host", Links: ["a"] }), /host type networking/);
  assert.doesNotThrow(() => checkNetworkMode({ Hostname: "h" }, { NetworkMode: "bridge", Links: ["a:b"] }));
});

test("checkExtraHost: moby's ValidateExtraHost", () => {
  assert.deepEqual(checkExtraHost("db:10.0.0.1"), { host: "db", ip: "10.0.0.1" });
  assert.deepEqual(checkExtraHost("db=[::1]"), { host: "db", ip: "::1" });
  assert.deepEqual(checkExtraHost("gw:host-gateway"), { host: "gw", ip: "host-gateway" });
  assert.throws(() => checkExtraHost("nohost"), /bad format for add-host: "nohost"/);
  assert.throws(() => checkExtraHost("db:notanip"), /invalid IP address in add-host: "notanip"/);
});

test("normalizeHostConfig: Docker 28's 'not set' values and default masked paths", () => {
  const hc = normalizeHostConfig({ MemorySwappiness: -1, PidsLimit: 0, KernelMemory: 1 << 20 });
  assert.equal(hc.MemorySwappiness, null);
  assert.equal(hc.PidsLimit, null);
  assert.ok(!("KernelMemory" in hc));
  assert.ok(hc.MaskedPaths?.includes("/proc/kcore"));
  assert.ok(hc.ReadonlyPaths?.includes("/proc/sys"));
  const given = normalizeHostConfig({ MaskedPaths: [], ReadonlyPaths: ["/proc/sys"], PidsLimit: 7 });
  assert.deepEqual([given.MaskedPaths, given.ReadonlyPaths, given.PidsLimit], [[], ["/proc/sys"], 7]);
  const privileged = normalizeHostConfig({ Privileged: true });
  assert.equal(privileged.MaskedPaths, undefined);
  assert.throws(
    () => normalizeHostConfig({ MemorySwappiness: 101 }),
    /valid memory swappiness range is 0-100/,
  );
  assert.throws(() => normalizeHostConfig({ Isolation: "hyperv" }), /invalid isolation 'hyperv' on linux/);
  assert.doesNotThrow(() => normalizeHostConfig({ Isolation: "Default" }));
});

test("checkResources: moby's discards with their warnings, and its refusals", () => {
  const none = {
    weight: false,
    weightDevice: false,
    readBps: false,
    writeBps: false,
    readIOps: false,
    writeIOps: false,
  };
  const hc = normalizeHostConfig({
    CpuPercent: 50,
    BlkioWeight: 300,
    BlkioWeightDevice: [{ Path: "/dev/vda", Weight: 100 }],
    BlkioDeviceReadBps: [{ Path: "/dev/vda", Rate: 1 }],
  });
  const warnings = checkResources(hc, none);
  assert.deepEqual(warnings, [
    "linux does not support CPU percent. Percent discarded.",
    "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.",
    "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.",
    "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.",
  ]);
  assert.deepEqual(
    [hc.CpuPercent, hc.BlkioWeight, hc.BlkioWeightDevice, hc.BlkioDeviceReadBps],
    [0, 0, [], []],
  );
  const all = Object.fromEntries(Object.keys(none).map((k) => [k, true])) as typeof none;
  const kept = normalizeHostConfig({ BlkioDeviceReadBps: [{ Path: "/dev/vda", Rate: 1 }] });
  assert.deepEqual(checkResources(kept, all), []);
  assert.deepEqual(kept.BlkioDeviceReadBps, [{ Path: "/dev/vda", Rate: 1 }]);
  assert.throws(
    () => checkResources(normalizeHostConfig({ BlkioWeight: 5 }), all),
    /Range of blkio weight is from 10 to 1000/,
  );
  assert.throws(
    () => checkResources(normalizeHostConfig({ IOMaximumIOps: 10 }), all),
    /Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps/,
  );
});

test("checkResources: memory and CPU limits that cannot work are refused in moby's words", () => {
  const all = {
    weight: true,
    weightDevice: true,
    readBps: true,
    writeBps: true,
    readIOps: true,
    writeIOps: true,
  };
  const cpus = { count: 2, cpuset: "0-1", mems: "0" };
  const check = (hc: Record<string, unknown>) => checkResources(normalizeHostConfig(hc), all, cpus);
  const MB = 1024 * 1024;
  for (const [hc, message] of [
    [{ Memory: 4 * MB }, "Minimum memory limit allowed is 6MB"],
    [
      { Memory: 64 * MB, MemorySwap: 32 * MB },
      "Minimum memoryswap limit should be larger than memory limit, see usage",
    ],
    [
      { MemorySwap: 32 * MB },
      "You should always set the Memory limit when using Memoryswap limit, see usage",
    ],
    [{ MemoryReservation: MB }, "Minimum memory reservation allowed is 6MB"],
    [
      { Memory: 16 * MB, MemoryReservation: 32 * MB },
      "Minimum memory limit can not be less than memory reservation limit, see usage",
    ],
    [{ NanoCpus: 1e9, CpuQuota: 50000 }, "Conflicting options: Nano CPUs and CPU Quota cannot both be set"],
    [{ NanoCpus: 3e9 }, "range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"],
    [
      { CpuPeriod: 500 },
      "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
    ],
    [{ CpuQuota: 10 }, "CPU cfs quota can not be less than 1ms (i.e. 1000)"],
    [{ CpusetCpus: "0-3" }, "Requested CPUs are not available - requested 0-3, available: 0-1"],
    [{ CpusetCpus: "a" }, "Invalid value a for cpuset cpus: invalid format: a"],
    [{ CpusetMems: "1" }, "Requested memory nodes are not available - requested 1, available: 0"],
  ] as const)
    assert.throws(() => check(hc), { message }, JSON.stringify(hc));
  assert.deepEqual(check({ Memory: 64 * MB, MemorySwap: -1, NanoCpus: 15e8, CpusetCpus: "1" }), []);
  assert.deepEqual(check({ OomKillDisable: true }), [
    "OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.",
  ]);
});
