// Runs as root on real files in /tmp: a fake container (rootfs, volumes, a bind-mounted file)
// beside a "host" directory that nothing may reach. Escape attempts aim at the real host's /etc
// too, under names unique to the run, and check those names never appear.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import {
  chmod,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { createServer } from "node:net";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import tar from "tar-stream";
import { archivePath, type ContainerFs, encodePathStat, extractArchive, statPath } from "./index.ts";

process.env.TZ = "UTC";

let world: string;
let rootfs: string;
let vol: string;
let volRo: string;
let hostsFile: string;
const tag = `kapsel-archive-test-${randomBytes(4).toString("hex")}`;
const sock = createServer();
let fdsAtStart = 0;

before(async () => {
  world = await mkdtemp("/tmp/kapsel-archive-");
  rootfs = posix.join(world, "rootfs");
  vol = posix.join(world, "vol");
  volRo = posix.join(world, "vol-ro");
  hostsFile = posix.join(world, "hosts");
  for (const d of ["rootfs/etc", "rootfs/dir/sub", "rootfs/tmp", "rootfs/data", "host", "vol", "vol-ro"])
    await mkdir(posix.join(world, d), { recursive: true });
  await writeFile(posix.join(world, "host/secret"), "host secret\n");
  await writeFile(
    posix.join(rootfs, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\nbar:x:2020:2021::/home/bar:/bin/sh\n",
  );
  await writeFile(posix.join(rootfs, "etc/group"), "root:x:0:\nbar:x:2021:\nstaff:x:50:\n");
  await writeFile(posix.join(rootfs, "etc/hostname"), "container\n");
  await writeFile(posix.join(rootfs, "dir/a.txt"), "hello");
  await writeFile(posix.join(rootfs, "dir/sub/b.txt"), "bee");
  await link(posix.join(rootfs, "dir/a.txt"), posix.join(rootfs, "dir/hard"));
  execFileSync("chown", ["1234:5678", posix.join(rootfs, "dir/sub/b.txt")]);
  await chmod(posix.join(rootfs, "dir/sub/b.txt"), 0o640);
  execFileSync("mknod", [posix.join(rootfs, "dir/fifo"), "p"]);
  execFileSync("mknod", [posix.join(rootfs, "dir/null"), "c", "1", "3"]);
  await new Promise<void>((resolve) => sock.listen(posix.join(rootfs, "dir/sock"), resolve));
  await symlink("/etc/hostname", posix.join(rootfs, "link-abs"));
  await symlink("dir/a.txt", posix.join(rootfs, "link-rel"));
  await symlink("/dir", posix.join(rootfs, "link-dir"));
  await symlink("/", posix.join(rootfs, "escape"));
  await symlink("../../../..", posix.join(rootfs, "up"));
  await symlink("/nowhere/x", posix.join(rootfs, "dangling"));
  await writeFile(posix.join(vol, "data.txt"), "in the volume");
  await symlink("/etc", posix.join(vol, "etclink"));
  await symlink("../../..", posix.join(vol, "up"));
  await writeFile(posix.join(volRo, "ro.txt"), "read only");
  await writeFile(hostsFile, "127.0.0.1 localhost\n");
  fdsAtStart = (await readdir("/proc/self/fd")).length;
});

after(async () => {
  await new Promise((resolve) => sock.close(resolve));
  await rm(world, { recursive: true, force: true });
  await rm(`/etc/${tag}`, { recursive: true, force: true }); // only there if a test failed badly
});

function container(o: { readonlyRootfs?: boolean } = {}): ContainerFs {
  return {
    rootfs,
    readonlyRootfs: o.readonlyRootfs ?? false,
    mounts: [
      { destination: "/data/ro", source: volRo, readonly: true },
      { destination: "/data", source: vol, readonly: false },
      { destination: "/etc/hosts", source: hostsFile, readonly: false },
      { destination: "/opt/deep/vol", source: vol, readonly: false },
    ],
  };
}

interface Entry {
  name: string;
  type: string;
  linkname?: string | null;
  uid?: number;
  gid?: number;
  mode?: number;
  body: string;
}

async function entriesOf(stream: Readable): Promise<Entry[]> {
  const extract = tar.extract();
  const out: Entry[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", async (h, body, next) => {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      out.push({ ...h, body: Buffer.concat(chunks).toString() } as Entry);
      next();
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return out;
}

type TarEntry = Partial<tar.Header> & { name: string; body?: string };

function tarOf(entries: TarEntry[]): Readable {
  const pack = tar.pack();
  for (const { body, ...h } of entries) {
    if (h.type === undefined || h.type === "file") pack.entry({ mode: 0o644, ...h }, Buffer.from(body ?? ""));
    else pack.entry({ mode: 0o755, ...h }).end(undefined);
  }
  pack.finalize();
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}

async function extract(
  path: string,
  entries: TarEntry[],
  o: Partial<Parameters<typeof extractArchive>[3]> = {},
  fs = container(),
) {
  await extractArchive(fs, path, tarOf(entries), {
    noOverwriteDirNonDir: false,
    copyUIDGID: false,
    containerRef: "ctr",
    ...o,
  });
}

const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;

test("statPath gives a file's name, size, mode and RFC 3339 mtime", async () => {
  await utimes(posix.join(rootfs, "dir/a.txt"), 1612325106.5, 1612325106.5);
  const s = await statPath(container(), "/dir/a.txt", "ctr");
  assert.deepEqual(s, {
    name: "a.txt",
    size: 5,
    mode: 0o644,
    mtime: "2021-02-03T04:05:06.5Z",
    linkTarget: "",
  });
  const decoded = JSON.parse(Buffer.from(encodePathStat(s), "base64").toString());
  assert.deepEqual(decoded, s);
});

test("statPath marks directories and symlinks with Go's mode bits and resolves link targets in the container", async () => {
  const dir = await statPath(container(), "/dir", "ctr");
  assert.equal(dir.mode, GO_DIR + 0o755);
  assert.equal(dir.name, "dir");
  const abs = await statPath(container(), "/link-abs", "ctr");
  assert.equal(abs.mode, GO_SYMLINK + 0o777);
  assert.equal(abs.linkTarget, "/etc/hostname");
  assert.equal((await statPath(container(), "/link-rel", "ctr")).linkTarget, "/dir/a.txt");
  assert.equal((await statPath(container(), "/dangling", "ctr")).linkTarget, "/nowhere/x");
  assert.equal((await statPath(container(), "/escape", "ctr")).linkTarget, "/");
  assert.equal((await statPath(container(), "/up", "ctr")).linkTarget, "/");
  // a trailing slash follows the last link, as lstat does
  const followed = await statPath(container(), "/link-dir/", "ctr");
  assert.equal(followed.mode, GO_DIR + 0o755);
  assert.equal(followed.name, "link-dir");
  assert.equal((await statPath(container(), "/dir/.", "ctr")).name, ".");
});

test("statPath reports a missing path with Docker's message", async () => {
  await assert.rejects(statPath(container(), "/nope/x", "web"), {
    kind: "not_found",
    message: "Could not find the file /nope/x in container web",
  });
  await assert.rejects(statPath(container(), "/dangling/", "web"), { kind: "not_found" });
  await assert.rejects(statPath(container(), "/dir/a.txt/", "web"), /not a directory/);
});

test("statPath never leaves the container: / and ../.. symlinks lead to the container's root", async () => {
  const viaRoot = await statPath(container(), "/escape/etc/hostname", "ctr");
  assert.equal(viaRoot.size, "container\n".length);
  await assert.rejects(statPath(container(), "/up/host/secret", "ctr"), { kind: "not_found" });
  await assert.rejects(statPath(container(), "/escape/../../host/secret", "ctr"), { kind: "not_found" });
  assert.equal((await statPath(container(), "/up/etc/hostname", "ctr")).size, "container\n".length);
});

test("archivePath of a file is one entry named after it, owners and mode kept", async () => {
  const { stat: s, tar: t } = await archivePath(container(), "/dir/sub/b.txt", "ctr");
  assert.equal(s.name, "b.txt");
  const entries = await entriesOf(t);
  assert.equal(entries.length, 1);
  assert.deepEqual(
    {
      name: entries[0].name,
      type: entries[0].type,
      uid: entries[0].uid,
      gid: entries[0].gid,
      mode: entries[0].mode,
      body: entries[0].body,
    },
    { name: "b.txt", type: "file", uid: 1234, gid: 5678, mode: 0o640, body: "bee" },
  );
});

test("archivePath of a directory names entries under its base name; hard links, fifos and devices kept, sockets left out", async () => {
  const { stat: s, tar: t } = await archivePath(container(), "/dir", "ctr");
  assert.equal(s.mode, GO_DIR + 0o755);
  const entries = await entriesOf(t);
  assert.deepEqual(
    entries.map((e) => [e.name, e.type]),
    [
      ["dir/", "directory"],
      ["dir/a.txt", "file"],
      ["dir/fifo", "fifo"],
      ["dir/hard", "link"],
      ["dir/null", "character-device"],
      ["dir/sub/", "directory"],
      ["dir/sub/b.txt", "file"],
    ],
  );
  assert.equal(entries.find((e) => e.name === "dir/hard")?.linkname, "dir/a.txt");
  assert.equal(entries.find((e) => e.name === "dir/a.txt")?.body, "hello");
});

test("archivePath of dir/. gives its content as ./ entries, and of / the root as /", async () => {
  const dot = await entriesOf((await archivePath(container(), "/dir/sub/.", "ctr")).tar);
  assert.deepEqual(
    dot.map((e) => e.name),
    ["./", "./b.txt"],
  );
  const { stat: rootStat, tar: rootTar } = await archivePath(container(), "/", "ctr");
  assert.equal(rootStat.name, "/");
  const names = (await entriesOf(rootTar)).map((e) => e.name);
  assert.equal(names[0], "/");
  assert.ok(names.includes("/etc/hostname"));
  assert.ok(names.includes("/data/data.txt"), "volumes are archived at their destination");
  assert.ok(names.includes("/data/ro/ro.txt"));
  // a mount whose destination's directories are missing in the rootfs
  assert.ok(
    names.includes("/opt/") && names.includes("/opt/deep/") && names.includes("/opt/deep/vol/data.txt"),
  );
  assert.equal((await statPath(container(), "/opt/deep/vol/data.txt", "ctr")).size, "in the volume".length);
  assert.ok(!names.some((n) => n.includes("secret")));
});

test("archivePath of a symlink is the link itself; with a trailing slash, what it points to", async () => {
  const link = await entriesOf((await archivePath(container(), "/link-dir", "ctr")).tar);
  assert.deepEqual(
    link.map((e) => [e.name, e.type, e.linkname]),
    [["link-dir", "symlink", "/dir"]],
  );
  const followed = await entriesOf((await archivePath(container(), "/link-dir/", "ctr")).tar);
  assert.equal(followed[0].name, "link-dir/");
  assert.ok(followed.some((e) => e.name === "link-dir/a.txt" && e.body === "hello"));
});

test("archivePath follows symlinks inside the container, also absolute ones inside a volume", async () => {
  const viaRoot = await entriesOf((await archivePath(container(), "/escape/etc/hostname", "ctr")).tar);
  assert.equal(viaRoot[0].body, "container\n");
  const viaVolume = await entriesOf((await archivePath(container(), "/data/etclink/hostname", "ctr")).tar);
  assert.equal(viaVolume[0].body, "container\n");
  const upFromVolume = await entriesOf((await archivePath(container(), "/data/up/etc/passwd", "ctr")).tar);
  assert.match(upFromVolume[0].body, /^root:x:0:0/);
  await assert.rejects(archivePath(container(), "/up/host/secret", "ctr"), { kind: "not_found" });
  await assert.rejects(archivePath(container(), "/data/up/host/secret", "ctr"), { kind: "not_found" });
  const etc = await entriesOf((await archivePath(container(), "/etc", "ctr")).tar);
  assert.equal(etc.find((e) => e.name === "etc/hosts")?.body, "127.0.0.1 localhost\n", "a bind-mounted file");
});

test("archivePath streams a large file with flat memory", async () => {
  const big = posix.join(rootfs, "tmp/big");
  const size = 300 * 1024 * 1024;
  execFileSync("truncate", ["-s", String(size), big]);
  const { tar: t } = await archivePath(container(), "/tmp/big", "ctr");
  const base = process.memoryUsage().rss;
  let peak = base;
  let total = 0;
  for await (const chunk of t) {
    total += (chunk as Buffer).length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  await rm(big);
  assert.ok(total > size);
  assert.ok(peak - base < 100 * 1024 * 1024, `rss grew by ${Math.round((peak - base) / 1048576)} MiB`);
});

test("extractArchive writes files, directories, symlinks and hard links with the tar's owners, modes and times", async () => {
  await extract("/tmp", [
    { name: "x/", type: "directory", mode: 0o750, uid: 11, gid: 12, mtime: new Date(1_000_000_000_000) },
    { name: "x/f.txt", body: "content", mode: 0o600, uid: 13, gid: 14, mtime: new Date(1_500_000_000_000) },
    { name: "x/implied/deep.txt", body: "deep" },
    { name: "x/l", type: "symlink", linkname: "f.txt" },
    {
      name: "x/h",
      type: "link",
      linkname: "x/f.txt",
      mode: 0o600,
      uid: 13,
      gid: 14,
      mtime: new Date(1_500_000_000_000),
    },
    { name: "x/p", type: "fifo", mode: 0o640 },
  ]);
  const x = posix.join(rootfs, "tmp/x");
  const xs = await stat(x);
  assert.deepEqual([xs.mode & 0o7777, xs.uid, xs.gid, xs.mtimeMs], [0o750, 11, 12, 1_000_000_000_000]);
  const fs = await stat(posix.join(x, "f.txt"));
  assert.deepEqual(
    [fs.mode & 0o7777, fs.uid, fs.gid, fs.mtimeMs, fs.nlink],
    [0o600, 13, 14, 1_500_000_000_000, 2],
  );
  assert.equal(await readFile(posix.join(x, "implied/deep.txt"), "utf8"), "deep");
  assert.equal((await stat(posix.join(x, "implied"))).mode & 0o7777, 0o755);
  assert.equal(await readlink(posix.join(x, "l")), "f.txt");
  assert.ok((await lstat(posix.join(x, "p"))).isFIFO());
  assert.equal((await lstat(posix.join(x, "p"))).mode & 0o777, 0o640);
});

test("extractArchive refuses a missing or non-directory destination with Docker's errors", async () => {
  await assert.rejects(extract("/nope", [{ name: "a", body: "" }]), {
    kind: "not_found",
    message: "Could not find the file /nope in container ctr",
  });
  await assert.rejects(extract("/dir/a.txt", [{ name: "a", body: "" }]), {
    kind: "invalid",
    message: "extraction point is not a directory",
  });
});

test("extractArchive with noOverwriteDirNonDir refuses to swap a directory and a non-directory", async () => {
  await mkdir(posix.join(rootfs, "tmp/ow/d"), { recursive: true });
  await writeFile(posix.join(rootfs, "tmp/ow/f"), "file");
  await assert.rejects(extract("/tmp/ow", [{ name: "d", body: "x" }], { noOverwriteDirNonDir: true }), {
    kind: "conflict",
    message: 'cannot overwrite directory "/tmp/ow/d" with non-directory "/tmp/ow"',
  });
  await assert.rejects(
    extract("/tmp/ow", [{ name: "f/", type: "directory" }], { noOverwriteDirNonDir: true }),
    {
      message: 'cannot overwrite non-directory "/tmp/ow/f" with directory "/tmp/ow"',
    },
  );
  // without it, the archive wins
  await extract("/tmp/ow", [
    { name: "d", body: "now a file" },
    { name: "f/", type: "directory" },
  ]);
  assert.equal(await readFile(posix.join(rootfs, "tmp/ow/d"), "utf8"), "now a file");
  assert.ok((await lstat(posix.join(rootfs, "tmp/ow/f"))).isDirectory());
});

test("extractArchive with copyUIDGID gives files the container user's ids; without it, the tar's", async () => {
  const entry = [{ name: "owned", body: "o", uid: 777, gid: 888 }];
  await extract("/tmp", entry, { copyUIDGID: false, user: "bar" });
  assert.deepEqual(await owner("tmp/owned"), [777, 888]);
  await extract("/tmp", entry, { copyUIDGID: true, user: "bar" });
  assert.deepEqual(await owner("tmp/owned"), [2020, 2021]);
  await extract("/tmp", entry, { copyUIDGID: true, user: "bar:staff" });
  assert.deepEqual(await owner("tmp/owned"), [2020, 50]);
  await extract("/tmp", entry, { copyUIDGID: true, user: "4242" });
  assert.deepEqual(await owner("tmp/owned"), [4242, 0]);
  await extract("/tmp", entry, { copyUIDGID: true });
  assert.deepEqual(await owner("tmp/owned"), [777, 888]);
  await assert.rejects(extract("/tmp", entry, { copyUIDGID: true, user: "ghost" }), {
    kind: "invalid",
    message: 'failed to look up user "ghost" in container: no matching entries in passwd file',
  });
});

async function owner(rel: string): Promise<[number, number]> {
  const s = await lstat(posix.join(rootfs, rel));
  return [s.uid, s.gid];
}

test("extractArchive refuses a read-only rootfs or volume, also for entries that reach one", async () => {
  await assert.rejects(extract("/tmp", [{ name: "a", body: "" }], {}, container({ readonlyRootfs: true })), {
    kind: "invalid",
    message: "container rootfs is marked read-only",
  });
  await assert.rejects(extract("/data/ro", [{ name: "a", body: "" }]), {
    kind: "invalid",
    message: "mounted volume is marked read-only",
  });
  await assert.rejects(
    extract("/data", [{ name: "ro/a", body: "" }]),
    /cannot write \/data\/ro\/a: mounted volume is marked read-only/,
  );
  await assert.rejects(
    extract("/tmp", [
      { name: "toro", type: "symlink", linkname: "/data/ro" },
      { name: "toro/b", body: "" },
    ]),
    /mounted volume is marked read-only/,
  );
  assert.ok(!existsSync(posix.join(volRo, "a")) && !existsSync(posix.join(volRo, "b")));
  // a writable volume under a read-only rootfs takes files
  await extract("/data", [{ name: "rw.txt", body: "ok" }], {}, container({ readonlyRootfs: true }));
  assert.equal(await readFile(posix.join(vol, "rw.txt"), "utf8"), "ok");
});

test("extractArchive into a path under a mount writes into the mount's source, the longest destination winning", async () => {
  await extract("/data", [{ name: "sub/file", body: "vol" }]);
  assert.equal(await readFile(posix.join(vol, "sub/file"), "utf8"), "vol");
  assert.ok(!existsSync(posix.join(rootfs, "data/sub")));
  assert.equal((await statPath(container(), "/data/ro/ro.txt", "ctr")).size, "read only".length);
});

test("extractArchive refuses to replace a mount point", async () => {
  await assert.rejects(extract("/etc", [{ name: "hosts", body: "evil" }]), /device or resource busy/);
  assert.equal(await readFile(hostsFile, "utf8"), "127.0.0.1 localhost\n");
  await assert.rejects(extract("/", [{ name: "data", body: "evil" }]), /device or resource busy/);
  assert.ok((await stat(vol)).isDirectory());
});

test("extractArchive keeps entries named ../ or /abs inside the destination", async () => {
  await assert.rejects(extract("/tmp", [{ name: "../../../../pwned", body: "x" }]), { kind: "invalid" });
  await assert.rejects(extract("/tmp", [{ name: "a/../../pwned", body: "x" }]), { kind: "invalid" });
  assert.ok(!existsSync(posix.join(world, "pwned")) && !existsSync(posix.join(rootfs, "pwned")));
  await extract("/tmp", [{ name: "/abs/name", body: "x" }]);
  assert.equal(await readFile(posix.join(rootfs, "tmp/abs/name"), "utf8"), "x");
  await assert.rejects(extract("/tmp", [{ name: "hl", type: "link", linkname: "../../host/secret" }]), {
    message: 'invalid hardlink target "../../host/secret"',
  });
});

test("extractArchive follows a symlink the tar made only inside the container: a -> / then a/etc/x", async () => {
  await extract("/tmp", [
    { name: "a", type: "symlink", linkname: "/" },
    { name: `a/etc/${tag}`, body: "container's etc" },
    { name: "b", type: "symlink", linkname: "../../../../../../../.." },
    { name: "b/host/pwned", body: "x" },
  ]);
  assert.ok(!existsSync(`/etc/${tag}`), "the host's /etc was written");
  assert.equal(await readFile(posix.join(rootfs, "etc", tag), "utf8"), "container's etc");
  assert.ok(!existsSync(posix.join(world, "host/pwned")));
  assert.ok(existsSync(posix.join(rootfs, "host/pwned")));
  await rm(posix.join(rootfs, "host"), { recursive: true });
  await rm(posix.join(rootfs, "etc", tag));
});

test("extractArchive through the container's own symlinks stays inside, also from a volume", async () => {
  await extract("/escape/tmp", [{ name: "via-escape", body: "1" }]);
  assert.ok(existsSync(posix.join(rootfs, "tmp/via-escape")));
  await extract("/up", [{ name: `etc/${tag}`, body: "2" }]);
  assert.ok(existsSync(posix.join(rootfs, "etc", tag)));
  await rm(posix.join(rootfs, "etc", tag));
  await extract("/data/etclink", [{ name: tag, body: "3" }]);
  assert.ok(!existsSync(`/etc/${tag}`), "the host's /etc was written");
  assert.equal(await readFile(posix.join(rootfs, "etc", tag), "utf8"), "3");
  await rm(posix.join(rootfs, "etc", tag));
  await extract("/data/up", [{ name: "host/secret", body: "not the host's" }]);
  assert.equal(await readFile(posix.join(world, "host/secret"), "utf8"), "host secret\n");
  assert.equal(await readFile(posix.join(rootfs, "host/secret"), "utf8"), "not the host's");
  await rm(posix.join(rootfs, "host"), { recursive: true });
  // an entry replacing an existing symlink replaces the link, not its target
  await symlink("/etc/hostname", posix.join(rootfs, "tmp/over"));
  await extract("/tmp", [{ name: "over", body: "replaced" }]);
  assert.equal(await readFile(posix.join(rootfs, "etc/hostname"), "utf8"), "container\n");
  assert.equal(await readFile(posix.join(rootfs, "tmp/over"), "utf8"), "replaced");
});

test("extractArchive streams a large entry to disk with flat memory", async () => {
  const size = 300 * 1024 * 1024;
  const pack = tar.pack();
  const entry = pack.entry({ name: "big", size, mode: 0o644 }, () => {});
  const chunk = Buffer.alloc(1024 * 1024, 7);
  (async () => {
    for (let i = 0; i < size / chunk.length; i++) {
      if (!entry.write(chunk))
        await new Promise((r) => (entry as unknown as NodeJS.EventEmitter).once("drain", r));
    }
    entry.end(undefined);
    pack.finalize();
  })();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    await extractArchive(container(), "/tmp", Readable.from(pack as unknown as AsyncIterable<Buffer>), {
      noOverwriteDirNonDir: false,
      copyUIDGID: false,
      containerRef: "ctr",
    });
  } finally {
    clearInterval(timer);
  }
  assert.equal((await stat(posix.join(rootfs, "tmp/big"))).size, size);
  await rm(posix.join(rootfs, "tmp/big"));
  assert.ok(peak - base < 100 * 1024 * 1024, `rss grew by ${Math.round((peak - base) / 1048576)} MiB`);
});

test("extractArchive accepts a gzip-compressed tar", async () => {
  const chunks: Buffer[] = [];
  for await (const c of tarOf([{ name: "gz.txt", body: "zipped" }])) chunks.push(c as Buffer);
  const { gzipSync } = await import("node:zlib");
  await extractArchive(container(), "/tmp", Readable.from([gzipSync(Buffer.concat(chunks))]), {
    noOverwriteDirNonDir: false,
    copyUIDGID: false,
    containerRef: "ctr",
  });
  assert.equal(await readFile(posix.join(rootfs, "tmp/gz.txt"), "utf8"), "zipped");
});

test("a process in the container swapping a directory for a symlink to /etc cannot make us touch the host's /etc", async () => {
  // what a naive host-path implementation would follow to the host (CVE-2018-15664)
  const race = posix.join(rootfs, "tmp/race");
  const swapper = spawn(
    "sh",
    ["-c", `while :; do rm -rf ${race}; mkdir ${race}; rm -rf ${race}; ln -s /etc ${race}; done`],
    {
      stdio: "ignore",
    },
  );
  try {
    for (let i = 0; i < 150; i++) {
      await extract("/tmp", [{ name: `race/${tag}`, body: "x" }]).catch(() => {});
      await extract("/tmp/race", [{ name: tag, body: "y" }]).catch(() => {});
      const got = await archivePath(container(), "/tmp/race/hostname", "ctr").then(
        async (r) => (await entriesOf(r.tar))[0]?.body,
        () => undefined,
      );
      if (got !== undefined) assert.equal(got, "container\n");
    }
  } finally {
    swapper.kill();
    await once(swapper, "exit");
  }
  assert.ok(!existsSync(`/etc/${tag}`), "the host's /etc was written");
  await rm(race, { recursive: true, force: true });
  await rm(posix.join(rootfs, "etc", tag), { force: true });
});

test("every fd taken by the calls above was given back", async () => {
  // archive streams read to their end and failed calls included
  assert.equal((await readdir("/proc/self/fd")).length, fdsAtStart);
});
