/**
 * The volumes domain against the real host: folders, mount(8) (tmpfs and bind), cp -a and a
 * volume plugin on a unix socket. Needs root; every test works in its own /tmp folder and
 * detaches whatever is mounted under it before deleting it, also after a failure.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { startVolumePlugin } from "../../../test/harness/volume-plugin.ts";
import { isMountPoint, mountsUnder } from "./host-mounts.ts";
import { createVolumeService, type VolumeService, type VolumeServiceOptions } from "./index.ts";

const isRoot = process.getuid?.() === 0;
const f = (o: Record<string, string[]> = {}) => new Map(Object.entries(o));

interface Fixture {
  dir: string;
  root: string;
  svc: VolumeService;
  events: Array<[string, string, Record<string, string>]>;
  users: Map<string, string[]>;
  open(extra?: Partial<VolumeServiceOptions>): Promise<VolumeService>;
}

/** A service over a fresh root in /tmp; everything under the folder is detached and deleted after. */
async function fixture(t: TestContext, extra: Partial<VolumeServiceOptions> = {}): Promise<Fixture> {
  const dir = mkdtempSync("/tmp/kvol-");
  t.after(() => {
    for (const m of mountsUnder(dir)) {
      try {
        execFileSync("umount", ["-l", m]);
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const root = join(dir, "volumes");
  const events: Fixture["events"] = [];
  const users = new Map<string, string[]>();
  const open = (more: Partial<VolumeServiceOptions> = {}) =>
    createVolumeService({
      root,
      inUse: (name) => users.get(name) ?? [],
      events: (action, name, attrs) => events.push([action, name, attrs]),
      pluginDirs: { sockets: [join(dir, "plugins")], specs: [join(dir, "specs")] },
      pluginWaitMs: 300,
      ...extra,
      ...more,
    });
  return { dir, root, svc: await open(), events, users, open };
}

test("create, inspect, list and remove a local volume; create is idempotent", {
  skip: !isRoot,
}, async (t) => {
  const { svc, root, events } = await fixture(t);
  const v = await svc.create({ Name: "data1", Labels: { app: "web" } });
  assert.equal(v.Name, "data1");
  assert.equal(v.Driver, "local");
  assert.equal(v.Scope, "local");
  assert.equal(v.Mountpoint, join(root, "data1", "_data"));
  assert.deepEqual(v.Labels, { app: "web" });
  assert.deepEqual(v.Options, {});
  assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  assert.equal(statSync(v.Mountpoint).mode & 0o777, 0o755);
  assert.deepEqual(await svc.inspect("data1"), v);

  const again = await svc.create({ Name: "data1", Labels: { other: "x" }, Driver: "local" });
  assert.deepEqual(again, v, "an existing name returns the existing volume");
  assert.deepEqual(
    events.map(([a, n]) => `${a} ${n}`),
    ["create data1"],
  );
  await assert.rejects(svc.create({ Name: "data1", Driver: "other" }), {
    kind: "conflict",
    message: "create data1: driver 'local' already has volume 'data1': volume name must be unique",
  });

  const anon = await svc.create({});
  assert.match(anon.Name, /^[0-9a-f]{64}$/);
  assert.deepEqual(anon.Labels, { "com.docker.volume.anonymous": "" });

  const { Volumes, Warnings } = await svc.list(f());
  assert.deepEqual(Volumes.map((x) => x.Name).sort(), [anon.Name, "data1"].sort());
  assert.deepEqual(Warnings, []);

  await svc.remove("data1", { force: false });
  assert.equal(existsSync(join(root, "data1")), false);
  assert.deepEqual(readdirSync(root), [anon.Name], "no trash is left behind");
  await assert.rejects(svc.inspect("data1"), { kind: "not_found", message: "get data1: no such volume" });
  await assert.rejects(svc.remove("data1", { force: false }), {
    kind: "not_found",
    message: "get data1: no such volume",
  });
  await svc.remove("data1", { force: true });
  assert.deepEqual(events.at(-1), ["destroy", "data1", { driver: "local" }]);
});

test("create refuses bad names, bad options and unknown drivers with Docker's messages", {
  skip: !isRoot,
}, async (t) => {
  const { svc, root } = await fixture(t);
  await assert.rejects(svc.create({ Name: "a" }), {
    kind: "invalid",
    message: "create a: volume name is too short, names should be at least two alphanumeric characters",
  });
  await assert.rejects(svc.create({ Name: "no/slash" }), {
    kind: "invalid",
    message:
      'create no/slash: "no/slash" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
  });
  await assert.rejects(svc.create({ Name: "v1", DriverOpts: { foo: "bar" } }), {
    kind: "invalid",
    message: 'create v1: invalid option: "foo"',
  });
  await assert.rejects(svc.create({ Name: "v1", DriverOpts: { type: "tmpfs" } }), {
    message: 'create v1: missing required option: "device"',
  });
  await assert.rejects(svc.create({ Name: "v1", Driver: "nosuch" }), {
    kind: "not_found",
    message: 'create v1: error looking up volume plugin nosuch: plugin "nosuch" not found',
  });
  assert.deepEqual(readdirSync(root), [], "nothing is left of refused creates");
});

test("list filters: dangling, name, label, driver; invalid filters", { skip: !isRoot }, async (t) => {
  const { svc, users } = await fixture(t);
  await svc.create({ Name: "web-data", Labels: { env: "prod", tier: "web" } });
  await svc.create({ Name: "db-data", Labels: { env: "dev" } });
  await svc.create({ Name: "cache" });
  users.set("db-data", ["c1"]);
  const names = async (o: Record<string, string[]>) => (await svc.list(f(o))).Volumes.map((v) => v.Name);
  assert.deepEqual(await names({ dangling: ["true"] }), ["cache", "web-data"]);
  assert.deepEqual(await names({ dangling: ["false"] }), ["db-data"]);
  assert.deepEqual(await names({ name: ["data"] }), ["db-data", "web-data"]);
  assert.deepEqual(await names({ name: ["^c"] }), ["cache"]);
  assert.deepEqual(await names({ label: ["env"] }), ["db-data", "web-data"]);
  assert.deepEqual(await names({ label: ["env=prod"] }), ["web-data"]);
  assert.deepEqual(await names({ driver: ["local"] }), ["cache", "db-data", "web-data"]);
  assert.deepEqual(await names({ driver: ["other"] }), []);
  await assert.rejects(svc.list(f({ until: ["1h"] })), {
    kind: "invalid",
    message: "invalid filter 'until'",
  });
  await assert.rejects(svc.list(f({ dangling: ["yes"] })), { message: "invalid filter 'dangling=[yes]'" });
});

test("remove refuses a volume in use, even with force", { skip: !isRoot }, async (t) => {
  const { svc, users } = await fixture(t);
  await svc.create({ Name: "busy" });
  users.set("busy", ["aaa111", "bbb222"]);
  for (const force of [false, true])
    await assert.rejects(svc.remove("busy", { force }), {
      kind: "conflict",
      message: "remove busy: volume is in use - [aaa111, bbb222]",
    });
  users.delete("busy");
  await svc.remove("busy", { force: false });
});

test("prune removes unused anonymous volumes by default, named ones with all=true", {
  skip: !isRoot,
}, async (t) => {
  const { svc, users, events } = await fixture(t);
  const anon = await svc.create({});
  writeFileSync(join(anon.Mountpoint, "f"), "x".repeat(1000));
  const anonUsed = await svc.create({ anonymous: true, Name: "anon-used" });
  users.set(anonUsed.Name, ["c1"]);
  await svc.create({ Name: "named", Labels: { keep: "1" } });
  await svc.create({ Name: "named2" });
  await svc.create({ Name: "tmpfsvol", DriverOpts: { type: "tmpfs", device: "tmpfs" } });

  assert.deepEqual(await svc.prune(f()), { VolumesDeleted: [anon.Name], SpaceReclaimed: 1000 });
  assert.deepEqual(events.at(-1), ["prune", "", { reclaimed: "1000" }]);
  assert.deepEqual(await svc.prune(f({ all: ["true"], "label!": ["keep"] })), {
    VolumesDeleted: ["named2"],
    SpaceReclaimed: 0,
  });
  assert.deepEqual(await svc.prune(f({ all: ["1"] })), { VolumesDeleted: ["named"], SpaceReclaimed: 0 });
  const left = (await svc.list(f())).Volumes.map((v) => v.Name);
  assert.deepEqual(left, ["anon-used", "tmpfsvol"], "in-use and option volumes stay");
  await assert.rejects(svc.prune(f({ dangling: ["1"] })), {
    kind: "invalid",
    message: "invalid filter 'dangling'",
  });
});

test("a tmpfs volume is mounted at the first container mount and detached after the last", {
  skip: !isRoot,
}, async (t) => {
  const { svc, events, open } = await fixture(t);
  const v = await svc.create({
    Name: "scratch",
    DriverOpts: { type: "tmpfs", device: "tmpfs", o: "size=8m,uid=1000,mode=0710" },
  });
  assert.deepEqual(v.Options, { type: "tmpfs", device: "tmpfs", o: "size=8m,uid=1000,mode=0710" });
  assert.equal(isMountPoint(v.Mountpoint), false, "nothing is mounted before a container asks");

  const p1 = await svc.mount("scratch", "c1", { destination: "/data", readWrite: true, propagation: "" });
  assert.equal(p1, v.Mountpoint);
  assert.equal(isMountPoint(p1), true);
  const info = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .find((l) => l.split(" ")[4] === p1)!;
  assert.match(info, / - tmpfs tmpfs .*size=8192k/);
  assert.equal(statSync(p1).uid, 1000);
  assert.equal(statSync(p1).mode & 0o777, 0o710);
  writeFileSync(join(p1, "f"), "hello");
  assert.deepEqual(events.at(-1), [
    "mount",
    "scratch",
    { driver: "local", container: "c1", destination: "/data", "read/write": "true", propagation: "" },
  ]);

  await svc.mount("scratch", "c2");
  await assert.rejects(svc.remove("scratch", { force: true }), { message: /volume is in use - \[c1, c2\]/ });
  await svc.unmount("scratch", "c1");
  assert.equal(isMountPoint(p1), true, "c2 still holds it");
  assert.equal(readFileSync(join(p1, "f"), "utf8"), "hello");

  // a restarted daemon remembers c2's mount; reconcile drops it once c2 no longer runs
  const svc2 = await open();
  await assert.rejects(svc2.remove("scratch", { force: false }), { kind: "conflict" });
  await svc2.reconcile((id) => id === "c2");
  assert.equal(isMountPoint(p1), true);
  await svc2.reconcile(() => false);
  assert.equal(isMountPoint(p1), false, "detached once nobody holds it");
  await svc2.unmount("scratch", "c2"); // a late unmount of a dropped mount is harmless
  await svc2.remove("scratch", { force: false });
});

test("a bind volume shows the host folder and never deletes it", { skip: !isRoot }, async (t) => {
  const { svc, dir, open } = await fixture(t);
  const host = join(dir, "host");
  mkdirSync(host);
  writeFileSync(join(host, "precious"), "keep me");
  const v = await svc.create({ Name: "bound", DriverOpts: { type: "none", o: "bind", device: host } });
  const p = await svc.mount("bound", "c1");
  assert.equal(readFileSync(join(p, "precious"), "utf8"), "keep me");
  writeFileSync(join(p, "new"), "from the container");
  assert.equal(readFileSync(join(host, "new"), "utf8"), "from the container");

  // crash while mounted, then the container is gone: reopen, remove without reconcile first
  const svc2 = await open();
  await svc2.reconcile(() => false);
  assert.equal(isMountPoint(v.Mountpoint), false);
  await svc2.remove("bound", { force: false });
  assert.equal(readFileSync(join(host, "precious"), "utf8"), "keep me");
  assert.equal(readFileSync(join(host, "new"), "utf8"), "from the container");

  await svc2.create({ Name: "badbind", DriverOpts: { type: "none", o: "bind", device: join(dir, "nope") } });
  await assert.rejects(svc2.mount("badbind", "c1"), {
    message: /^error while mounting volume '.*\/badbind\/_data': failed to mount local volume: mount: /,
  });
  assert.deepEqual((await svc2.inspect("badbind")).Name, "badbind");
  await svc2.remove("badbind", { force: false });
});

/** Sets a user.* xattr with python3 (Node has no xattr calls); false when that is not possible. */
function setXattr(path: string, name: string, value: string): boolean {
  try {
    execFileSync("python3", [
      "-c",
      `import os,sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())`,
      path,
      name,
      value,
    ]);
    return true;
  } catch {
    return false;
  }
}
function getXattr(path: string, name: string): string {
  return execFileSync(
    "python3",
    ["-c", "import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2]).decode())", path, name],
    {
      encoding: "utf8",
    },
  ).trim();
}

test("populate copies an image folder with owners, modes, times, links and xattrs, and never follows symlinks out", {
  skip: !isRoot,
}, async (t) => {
  const { svc, dir } = await fixture(t);
  const rootfs = join(dir, "rootfs");
  const src = join(rootfs, "var/lib/app");
  mkdirSync(join(src, "sub"), { recursive: true });
  chownSync(src, 1000, 1001);
  chmodSync(src, 0o750);
  writeFileSync(join(src, "conf"), "setting=1\n");
  chownSync(join(src, "conf"), 123, 456);
  chmodSync(join(src, "conf"), 0o640);
  linkSync(join(src, "conf"), join(src, "conf.hard"));
  symlinkSync("/etc/passwd", join(src, "passwd"));
  symlinkSync("conf", join(src, "rel"));
  writeFileSync(join(src, "sub", "old"), "old");
  utimesSync(join(src, "sub", "old"), new Date("2001-02-03T04:05:06Z"), new Date("2001-02-03T04:05:06Z"));
  const xattrs = setXattr(join(src, "conf"), "user.kapsel", "yes");

  const v = await svc.create({ Name: "appdata" });
  const p = await svc.mount("appdata", "c1");
  assert.equal(await svc.populate("appdata", p, src), true);

  assert.equal(statSync(p).uid, 1000, "the volume's root takes the image folder's owner");
  assert.equal(statSync(p).gid, 1001);
  assert.equal(statSync(p).mode & 0o777, 0o750);
  const conf = statSync(join(p, "conf"));
  assert.deepEqual([conf.uid, conf.gid, conf.mode & 0o777], [123, 456, 0o640]);
  assert.equal(statSync(join(p, "conf.hard")).ino, conf.ino, "hard links stay linked");
  assert.equal(lstatSync(join(p, "passwd")).isSymbolicLink(), true);
  assert.equal(
    readlinkSync(join(p, "passwd")),
    "/etc/passwd",
    "a symlink out is copied as a link, not followed",
  );
  assert.equal(readlinkSync(join(p, "rel")), "conf");
  assert.equal(statSync(join(p, "sub", "old")).mtime.toISOString(), "2001-02-03T04:05:06.000Z");
  if (xattrs) assert.equal(getXattr(join(p, "conf"), "user.kapsel"), "yes");

  writeFileSync(join(src, "later"), "x");
  assert.equal(await svc.populate("appdata", p, src), false, "a volume with content is left alone");
  assert.equal(existsSync(join(p, "later")), false);

  // a mount target that is a symlink to the host (already resolved by the caller or not) is not copied
  const empty = await svc.create({ Name: "empty1" });
  symlinkSync("/etc", join(rootfs, "etc-link"));
  assert.equal(await svc.populate("empty1", empty.Mountpoint, join(rootfs, "etc-link")), false);
  assert.equal(await svc.populate("empty1", empty.Mountpoint, join(rootfs, "missing")), false);
  writeFileSync(join(rootfs, "file"), "x");
  assert.equal(await svc.populate("empty1", empty.Mountpoint, join(rootfs, "file")), false);
  assert.deepEqual(readdirSync(empty.Mountpoint), []);
  await assert.rejects(svc.populate("nope", p, src), { kind: "not_found" });
  assert.equal(v.Mountpoint, p);
});

test("usage counts a local volume's bytes once per inode; -1 for option and plugin volumes", {
  skip: !isRoot,
}, async (t) => {
  const { svc } = await fixture(t);
  const v = await svc.create({ Name: "sized" });
  writeFileSync(join(v.Mountpoint, "a"), "x".repeat(300));
  linkSync(join(v.Mountpoint, "a"), join(v.Mountpoint, "b"));
  mkdirSync(join(v.Mountpoint, "d"));
  writeFileSync(join(v.Mountpoint, "d", "c"), "y".repeat(20));
  assert.equal(await svc.usage("sized"), 320);
  await svc.create({ Name: "tmp", DriverOpts: { type: "tmpfs", device: "tmpfs" } });
  assert.equal(await svc.usage("tmp"), -1);
});

test("a plugin volume: create, inspect, list, mount, unmount and remove through the plugin", {
  skip: !isRoot,
}, async (t) => {
  const { svc, dir, events } = await fixture(t);
  await using plugin = await startVolumePlugin({
    name: "testvol",
    dir: join(dir, "plugins"),
    dataDir: join(dir, "pdata"),
  });
  const v = await svc.create({
    Name: "pv1",
    Driver: "testvol",
    DriverOpts: { size: "1g" },
    Labels: { a: "b" },
  });
  assert.deepEqual(
    plugin.calls.map((c) => c.method),
    ["Plugin.Activate", "VolumeDriver.Get", "VolumeDriver.Create", "VolumeDriver.Capabilities"],
  );
  assert.deepEqual(plugin.calls[2].body, { Name: "pv1", Opts: { size: "1g" } });
  assert.equal(v.Driver, "testvol");
  assert.deepEqual(v.Options, { size: "1g" });
  assert.deepEqual(events.at(-1), ["create", "pv1", { driver: "testvol" }]);

  const inspected = await svc.inspect("pv1");
  assert.equal(inspected.Mountpoint, join(dir, "pdata", "pv1"));
  assert.deepEqual(inspected.Status, { mounts: 0 });
  assert.deepEqual(inspected.Labels, { a: "b" });
  assert.deepEqual(
    (await svc.list(f({ driver: ["testvol"] }))).Volumes.map((x) => [x.Name, x.Mountpoint]),
    [["pv1", join(dir, "pdata", "pv1")]],
  );

  plugin.calls.length = 0;
  const p = await svc.mount("pv1", "ctr1");
  assert.equal(p, join(dir, "pdata", "pv1"));
  assert.equal(await svc.mount("pv1", "ctr1"), p, "a second mount by the same container reuses it");
  assert.deepEqual(
    plugin.calls.map((c) => [c.method, c.body]),
    [["VolumeDriver.Mount", { Name: "pv1", ID: "ctr1" }]],
  );
  // copy-up works into the plugin's mountpoint too
  const src = join(dir, "img");
  mkdirSync(src);
  writeFileSync(join(src, "x"), "1");
  assert.equal(await svc.populate("pv1", p, src), true);
  assert.equal(readFileSync(join(p, "x"), "utf8"), "1");

  await assert.rejects(svc.remove("pv1", { force: false }), {
    message: "remove pv1: volume is in use - [ctr1]",
  });
  await svc.unmount("pv1", "ctr1");
  assert.equal(
    plugin.calls.filter((c) => c.method === "VolumeDriver.Unmount").length,
    0,
    "ctr1 still holds one mount",
  );
  await svc.unmount("pv1", "ctr1");
  assert.deepEqual(plugin.calls.at(-1), {
    method: "VolumeDriver.Unmount",
    body: { Name: "pv1", ID: "ctr1" },
  });
  assert.equal(await svc.usage("pv1"), -1);

  await svc.remove("pv1", { force: false });
  assert.deepEqual(plugin.calls.at(-1), { method: "VolumeDriver.Remove", body: { Name: "pv1" } });
  assert.equal(existsSync(join(dir, "pdata", "pv1")), false);
  assert.deepEqual(events.at(-1), ["destroy", "pv1", { driver: "testvol" }]);

  await assert.rejects(svc.create({ Name: "pv2", Driver: "testvol", DriverOpts: { fail: "disk full" } }), {
    message: "create pv2: disk full",
  });
  await assert.rejects(svc.inspect("pv2"), { kind: "not_found" });
});

test("plugins are found through spec files; a gone plugin's volume goes with --force", {
  skip: !isRoot,
}, async (t) => {
  const { svc, dir } = await fixture(t);
  const plugin = await startVolumePlugin({
    name: "specvol",
    dir: join(dir, "elsewhere"),
    dataDir: join(dir, "pdata"),
  });
  mkdirSync(join(dir, "specs"), { recursive: true });
  writeFileSync(join(dir, "specs", "specvol.spec"), `unix://${plugin.socketPath}\n`);
  await svc.create({ Name: "sv", Driver: "specvol" });
  assert.equal((await svc.inspect("sv")).Mountpoint, join(dir, "pdata", "sv"));

  await plugin.close();
  const listed = await svc.list(f());
  assert.deepEqual(
    listed.Volumes.map((v) => v.Name),
    ["sv"],
    "a plugin that does not answer keeps its volumes listed",
  );
  assert.match(
    listed.Warnings[0],
    /^list specvol: Post "http:\/\/plugin.moby.localhost\/VolumeDriver.List": dial unix /,
  );
  await assert.rejects(svc.remove("sv", { force: false }), { message: /^remove sv: / });
  await svc.remove("sv", { force: true });
  await assert.rejects(svc.inspect("sv"), { kind: "not_found" });
});

test("start-up finishes interrupted creates and removes without touching other volumes", {
  skip: !isRoot,
}, async (t) => {
  const { svc, root, open } = await fixture(t);
  const keep = await svc.create({ Name: "keep" });
  writeFileSync(join(keep.Mountpoint, "data"), "important");
  const doomed = await svc.create({ Name: "doomed" });
  writeFileSync(join(doomed.Mountpoint, "data"), "going");
  // kill -9 in remove after the rename; in create before the rename
  renameSync(join(root, "doomed"), join(root, ".trash-doomed-1234abcd"));
  mkdirSync(join(root, ".tmp-half-XyZ123", "_data"), { recursive: true });
  writeFileSync(join(root, ".tmp-half-XyZ123", "_data", "partial"), "p");
  // a trash folder whose _data is still a bind mount of a host folder: the host folder survives
  const host = join(root, "..", "hostdir");
  mkdirSync(host);
  writeFileSync(join(host, "precious"), "keep");
  mkdirSync(join(root, ".trash-bound-5678", "_data"), { recursive: true });
  execFileSync("mount", ["--bind", host, join(root, ".trash-bound-5678", "_data")]);
  // Docker's own layout (no volume.json) is adopted, not deleted
  mkdirSync(join(root, "fromdocker", "_data"), { recursive: true });
  writeFileSync(join(root, "fromdocker", "_data", "f"), "docker");

  const svc2 = await open();
  assert.deepEqual(readdirSync(root).sort(), ["fromdocker", "keep"]);
  assert.equal(readFileSync(join(host, "precious"), "utf8"), "keep");
  assert.equal(readFileSync(join(keep.Mountpoint, "data"), "utf8"), "important");
  assert.deepEqual(
    (await svc2.list(f())).Volumes.map((v) => v.Name),
    ["fromdocker", "keep"],
  );
  assert.equal(readFileSync(join((await svc2.inspect("fromdocker")).Mountpoint, "f"), "utf8"), "docker");
  await assert.rejects(svc2.inspect("doomed"), { kind: "not_found" });
});

test("kill -9 during creates and removes leaves a consistent store and other volumes intact", {
  skip: !isRoot,
}, async (t) => {
  const { svc, root, open } = await fixture(t);
  const keep = await svc.create({ Name: "keep" });
  writeFileSync(join(keep.Mountpoint, "data"), "important");
  const script = `
    import { writeFileSync } from "node:fs";
    import { createVolumeService } from ${JSON.stringify(join(import.meta.dirname, "index.ts"))};
    const svc = await createVolumeService({ root: ${JSON.stringify(root)}, inUse: () => [] });
    for (let i = 0; ; i++) {
      const v = await svc.create({ Name: "churn" + i });
      writeFileSync(v.Mountpoint + "/f", "x".repeat(4096));
      if (i > 0) await svc.remove("churn" + (i - 1), { force: false });
      if (i === 5) process.stdout.write("busy\\n");
    }`;
  for (let round = 0; round < 4; round++) {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 20 + round * 37));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    const reopened = await open();
    const names = (await reopened.list(f())).Volumes.map((v) => v.Name);
    assert.deepEqual(
      readdirSync(root).sort(),
      [...names].sort(),
      "every folder is a listed volume; no leftovers",
    );
    assert.ok(names.includes("keep"));
    for (const name of names) assert.ok(existsSync(join(root, name, "_data")), `${name} has its data folder`);
    assert.equal(readFileSync(join(keep.Mountpoint, "data"), "utf8"), "important");
  }
});

test("activation waits briefly for a plugin whose socket (<dir>/<name>/<name>.sock) is not up yet", {
  skip: !isRoot,
}, async (t) => {
  const { svc, dir } = await fixture(t, { pluginWaitMs: 3000 });
  const late = new Promise<Awaited<ReturnType<typeof startVolumePlugin>>>((resolve, reject) =>
    setTimeout(
      () =>
        startVolumePlugin({
          name: "late",
          dir: join(dir, "plugins", "late"),
          dataDir: join(dir, "pdata"),
        }).then(resolve, reject),
      400,
    ),
  );
  t.after(async () => (await late).close());
  const v = await svc.create({ Name: "lv", Driver: "late" });
  assert.equal(v.Driver, "late");
  assert.equal((await late).socketPath, join(dir, "plugins", "late", "late.sock"));
  assert.equal(existsSync(join(dir, "pdata", "lv")), true);
});
