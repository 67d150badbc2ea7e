import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// The shapes Docker 28 gives what inspect, exec inspect, stats and info return, where clients
// read more than the basics: defaults filled in at create, "not set" kept as null, layer paths.
describe("inspect, stats and info as Docker 28 shapes them", () => {
  let d: TestDaemon;
  const json = async (path: string) => {
    const r = await d.api("GET", path);
    assert.equal(r.status, 200, r.body);
    // biome-ignore lint/suspicious/noExplicitAny: Docker's inspect and stats bodies, read field by field
    return r.json() as Record<string, any>;
  };
  before(async () => {
    d = await startDaemon();
    for (const args of [
      ["run", "-d", "--name", "plain", "--network", "none", "busybox", "sleep", "300"],
      [
        "create",
        "--name",
        "priv",
        "--privileged",
        "--pids-limit",
        "50",
        "--memory-swappiness",
        "10",
        "busybox",
      ],
      ["create", "--name", "vol", "-v", "/data", "busybox"],
    ]) {
      const r = await d.docker(args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  test("HostConfig: unset swappiness and pids limit are null, default masked paths, no Init key", async () => {
    const hc = (await json("/containers/plain/json")).HostConfig;
    // the docker CLI sends MemorySwappiness -1 and PidsLimit 0 for "not set"
    assert.equal(hc.MemorySwappiness, null);
    assert.equal(hc.PidsLimit, null);
    assert.ok(!("Init" in hc));
    assert.ok(hc.MaskedPaths.includes("/proc/kcore") && hc.MaskedPaths.includes("/sys/firmware"));
    assert.deepEqual(hc.ReadonlyPaths, [
      "/proc/bus",
      "/proc/fs",
      "/proc/irq",
      "/proc/sys",
      "/proc/sysrq-trigger",
    ]);
    const priv = (await json("/containers/priv/json")).HostConfig;
    assert.equal(priv.MaskedPaths, null);
    assert.equal(priv.ReadonlyPaths, null);
    assert.equal(priv.PidsLimit, 50);
    assert.equal(priv.MemorySwappiness, 10);
    const bad = await d.docker(["create", "--memory-swappiness", "101", "busybox"]);
    assert.notEqual(bad.code, 0);
  });

  test("masked paths given in HostConfig are the ones masked", async () => {
    const r = await d.api("POST", "/containers/create?name=masked", {
      Image: "busybox",
      Cmd: ["sh", "-c", "grep -q . /proc/interrupts; echo $?; grep -q . /proc/timer_list; echo $?"],
      HostConfig: { NetworkMode: "none", MaskedPaths: ["/proc/timer_list"] },
    });
    assert.equal(r.status, 201, r.body);
    assert.deepEqual((await json("/containers/masked/json")).HostConfig.MaskedPaths, ["/proc/timer_list"]);
    // /proc/interrupts, masked by default, is readable; /proc/timer_list reads as /dev/null
    assert.equal((await d.docker(["start", "-a", "masked"])).stdout, "0\n1\n");
    await d.docker([
      "run",
      "--name",
      "defaults",
      "--network",
      "none",
      "busybox",
      "sh",
      "-c",
      "test -s /proc/interrupts; echo $?",
    ]);
    assert.equal((await d.docker(["logs", "defaults"])).stdout, "1\n");
  });

  for (const cli of ["docker", "kapsel"] as const) {
    test(`${cli}: --security-opt as Docker takes it; what kapsel cannot apply is refused`, async () => {
      const run = (args: string[]) => d[cli](["run", "--rm", "--network", "none", ...args]);
      // systempaths=unconfined is the CLI's: empty MaskedPaths and ReadonlyPaths go to the daemon
      const open = await run([
        "--security-opt",
        "systempaths=unconfined",
        "busybox",
        "grep",
        "-c",
        ".",
        "/proc/interrupts",
      ]);
      assert.equal(open.code, 0, open.stderr);
      // a cgroup hierarchy's mount (v1) or the cgroup2 mount itself
      const cgroups = "grep -E ' /sys/fs/cgroup(/cpu)? cgroup2? ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1";
      assert.equal((await run(["busybox", "sh", "-c", cgroups])).stdout, "ro\n");
      assert.equal(
        (await run(["--security-opt", "writable-cgroups=true", "busybox", "sh", "-c", cgroups])).stdout,
        "rw\n",
      );
      const nnp = await run([
        "--security-opt",
        "no-new-privileges=true",
        "busybox",
        "grep",
        "NoNewPrivs",
        "/proc/self/status",
      ]);
      assert.match(nnp.stdout, /NoNewPrivs:\s+1/);
      assert.equal((await run(["--security-opt", "seccomp=unconfined", "busybox", "true"])).code, 0);
      const bad = await run(["--security-opt", "bogus=1", "busybox", "true"]);
      assert.equal(bad.code, 125);
      assert.match(bad.stderr, /invalid --security-opt 2: "bogus=1"/);
      const empty = await run(["--security-opt", "label", "busybox", "true"]);
      assert.equal(empty.code, 125);
      assert.match(empty.stderr, /Invalid --security-opt: "label"/);
      // the client reads a profile file and sends its JSON (containers-seccomp.test.ts applies them)
      const profile = await run(["--security-opt", `seccomp=${import.meta.filename}`, "busybox", "true"]);
      assert.equal(profile.code, 125);
      assert.match(profile.stderr, /compacting json for seccomp profile/);
      const missing = await run(["--security-opt", "seccomp=/nonexistent.json", "busybox", "true"]);
      assert.match(missing.stderr, /opening seccomp profile \(\/nonexistent.json\) failed/);
      assert.equal((await d.docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean).length, 5);
    });
  }

  test("systempaths=unconfined sent as is to the API is refused, as Docker's", async () => {
    const r = await d.api("POST", "/containers/create", {
      Image: "busybox",
      HostConfig: { SecurityOpt: ["systempaths=unconfined"] },
    });
    assert.equal(r.status, 400);
    assert.match(r.body, /invalid --security-opt 2: \\"systempaths=unconfined\\"/);
  });

  test("Config.Volumes is the image's (null) unless volumes are asked for", async () => {
    assert.equal((await json("/containers/plain/json")).Config.Volumes, null);
    assert.deepEqual((await json("/containers/vol/json")).Config.Volumes, { "/data": {} });
  });

  test("GraphDriver.Data names the layer folders of containers and images", async () => {
    const c = (await json("/containers/plain/json")).GraphDriver;
    assert.equal(c.Name, "overlay2");
    const lower = c.Data.LowerDir.split(":");
    assert.ok(lower.length >= 2, c.Data.LowerDir); // the init layer, then the image's
    for (const dir of [...lower, c.Data.UpperDir, c.Data.WorkDir, c.Data.MergedDir])
      assert.ok(existsSync(dir), dir);
    const img = (await json("/images/busybox/json")).GraphDriver;
    assert.equal(img.Name, "overlay2");
    assert.ok(existsSync(img.Data.UpperDir), img.Data.UpperDir);
    assert.ok(lower.includes(img.Data.UpperDir));
  });

  test("ExecIDs lists sessions not yet ended; an ended one stays inspectable", async () => {
    const created = await d.api("POST", "/containers/plain/exec", { Cmd: ["true"] });
    const id = (created.json() as { Id: string }).Id;
    assert.deepEqual((await json("/containers/plain/json")).ExecIDs, [id]);
    const ran = await d.docker(["exec", "plain", "true"]);
    assert.equal(ran.code, 0);
    assert.deepEqual((await json("/containers/plain/json")).ExecIDs, [id]);
    const started = await d.api("POST", `/exec/${id}/start`, { Detach: true });
    assert.equal(started.status, 200);
    for (let i = 0; i < 100 && (await json(`/exec/${id}/json`)).Running !== false; i++)
      await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 100 && (await json("/containers/plain/json")).ExecIDs !== null; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal((await json("/containers/plain/json")).ExecIDs, null);
    const ended = await json(`/exec/${id}/json`);
    assert.equal(ended.ExitCode, 0);
    assert.ok(!("user" in ended.ProcessConfig));
  });

  test("host and none: a running container has an endpoint there, which network inspect lists", async () => {
    const id = (await json("/containers/plain/json")).Id;
    const endpoint = (await json("/containers/plain/json")).NetworkSettings.Networks.none.EndpointID;
    assert.match(endpoint, /^[0-9a-f]{64}$/);
    assert.deepEqual((await json("/networks/none")).Containers[id], {
      Name: "plain",
      EndpointID: endpoint,
      MacAddress: "",
      IPv4Address: "",
      IPv6Address: "",
    });
    const host = await d.docker(["run", "-d", "--network", "host", "busybox", "sleep", "30"]);
    const hostId = host.stdout.trim();
    const listed = await d.docker([
      "network",
      "inspect",
      "host",
      "-f",
      "{{range $id, $c := .Containers}}{{$id}} {{$c.EndpointID}}{{end}}",
    ]);
    const hostEndpoint = (await json(`/containers/${hostId}/json`)).NetworkSettings.Networks.host.EndpointID;
    assert.equal(listed.stdout, `${hostId} ${hostEndpoint}\n`);
    await d.docker(["rm", "-f", hostId]);
    assert.deepEqual((await json("/networks/host")).Containers, {});
    // a stopped container has no endpoint (and a new one at its next start)
    assert.equal((await d.docker(["stop", "-t", "0", "plain"])).code, 0);
    assert.equal((await json("/containers/plain/json")).NetworkSettings.Networks.none.EndpointID, "");
    assert.deepEqual((await json("/networks/none")).Containers, {});
    assert.equal((await d.docker(["start", "plain"])).code, 0);
    const again = (await json("/containers/plain/json")).NetworkSettings.Networks.none.EndpointID;
    assert.match(again, /^[0-9a-f]{64}$/);
    assert.notEqual(again, endpoint);
  });

  test("stats of a container without networks: blkio lists, no networks key", async () => {
    const s = await json("/containers/plain/stats?stream=false");
    assert.ok(!("networks" in s));
    // cgroup v1 keeps every blkio list (empty ones too); v2 has only the two it can fill
    if ((await json("/info")).CgroupVersion === "1")
      for (const [k, v] of Object.entries(s.blkio_stats))
        assert.ok(Array.isArray(v), `${k}: ${JSON.stringify(v)}`);
  });

  test("info: RegistryConfig lists loopback as insecure and docker.io as the official index", async () => {
    const reg = (await json("/info")).RegistryConfig;
    assert.deepEqual(reg.InsecureRegistryCIDRs, ["::1/128", "127.0.0.0/8"]);
    assert.deepEqual(reg.IndexConfigs["docker.io"], {
      Name: "docker.io",
      Mirrors: [],
      Secure: true,
      Official: true,
    });
    assert.ok(!("AllowNondistributableArtifactsCIDRs" in reg));
    const info = await d.docker(["info", "--format", "{{json .RegistryConfig.IndexConfigs}}"]);
    // the CLI decodes into moby's IndexInfo and prints its fields in Go's order
    assert.equal(
      info.stdout,
      '{"docker.io":{"Name":"docker.io","Mirrors":[],"Secure":true,"Official":true}}\n',
    );
  });
});
