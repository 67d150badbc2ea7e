import assert from "node:assert/strict";
import { test } from "node:test";
import type { DockerConfig, HostConfig } from "./model.ts";
import { type MountPoint, parseApiMount, parseBind, planMountPoints } from "./mount-points.ts";

test("-v forms: bind, named, anonymous, modes", () => {
  assert.deepEqual(parseBind("/host:/ctr:ro", ""), {
    Type: "bind",
    Source: "/host",
    Destination: "/ctr",
    Mode: "ro",
    RW: false,
    Propagation: "rprivate",
  });
  const named = parseBind("data:/srv/", "");
  assert.equal(named.Type, "volume");
  assert.equal(named.Name, "data");
  assert.equal(named.Destination, "/srv");
  assert.equal(named.Mode, "z");
  assert.equal(named.copyData, true);
  assert.equal(parseBind("data:/srv:nocopy", "").copyData, false);
  const anon = parseBind("/cache", "");
  assert.equal(anon.anonymous, true);
  assert.equal(anon.Name, undefined);
  assert.equal(parseBind("/h:/c:rshared", "").Propagation, "rshared");
  assert.equal(parseBind("v:/c", "myplugin").Driver, "myplugin");
});

test("-v errors in Docker's words", () => {
  assert.throws(() => parseBind("/foo:rw", ""), /invalid volume specification: '\/foo:rw'/);
  assert.throws(() => parseBind("a:b:c:d", ""), /invalid volume specification/);
  assert.throws(() => parseBind("a:/x:bogus", ""), /invalid mode: bogus/);
  assert.throws(() => parseBind("a:/x:ro,rw", ""), /invalid mode: ro,rw/);
  assert.throws(() => parseBind("a:rel", ""), /mount path must be absolute/);
  assert.throws(() => parseBind("/h:/", ""), /destination can't be '\/'/);
  assert.throws(
    () => planMountPoints({} as DockerConfig, { Binds: ["bad name:/x"] }, () => []),
    /includes invalid characters for a local volume name/,
  );
  assert.throws(() => parseBind("v:/x:rshared", ""), /propagation not allowed for volumes/);
});

test("--mount volume and bind", () => {
  const v = parseApiMount(
    {
      Type: "volume",
      Source: "v1",
      Target: "/d",
      ReadOnly: true,
      VolumeOptions: { NoCopy: true, DriverConfig: { Name: "plug", Options: { a: "b" } } },
    },
    "",
  );
  assert.equal(v?.Driver, "plug");
  assert.equal(v?.RW, false);
  assert.equal(v?.copyData, false);
  assert.deepEqual(v?.volumeOptions, { driverOpts: { a: "b" }, labels: undefined });
  assert.equal(parseApiMount({ Type: "tmpfs", Target: "/t" }, ""), undefined);
  assert.throws(
    () => parseApiMount({ Type: "bind", Source: "/nonexistent-kapsel-path", Target: "/x" }, ""),
    /bind source path does not exist: \/nonexistent-kapsel-path/,
  );
  assert.throws(() => parseApiMount({ Type: "npipe", Target: "/x" }, ""), /mount type unknown/);
  assert.throws(() => parseApiMount({ Type: "bind", Target: "/x" }, ""), /field Source must not be empty/);
});

test("plan: Docker's order and overrides", () => {
  const config = { Volumes: { "/data": {}, "/logs": {} } } as unknown as DockerConfig;
  const from: MountPoint = {
    Type: "volume",
    Name: "shared",
    Source: "/v/shared/_data",
    Destination: "/shared",
    Driver: "local",
    Mode: "z",
    RW: true,
    Propagation: "",
    copyData: true,
    anonymous: true,
  };
  const hc: HostConfig = { Binds: ["/host:/data"], VolumesFrom: ["src:ro"] };
  const plan = planMountPoints(config, hc, (ref) => {
    assert.equal(ref, "src");
    return [from];
  });
  assert.deepEqual(
    plan.map((m) => [m.Destination, m.Type, m.RW, m.anonymous ?? false]),
    [
      ["/shared", "volume", false, false],
      ["/data", "bind", true, false],
      ["/logs", "volume", true, true],
    ],
  );
  assert.throws(
    () => planMountPoints(config, { Binds: ["a:/x", "b:/x"] }, () => []),
    /Duplicate mount point: \/x/,
  );
});
