import assert from "node:assert/strict";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { type IncomingMessage, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import tar from "tar-stream";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// docker cp both ways, through the real docker CLI and kapsel: files, directories, symlinks,
// empty dirs, owners with -a, running and stopped containers, volumes, and symlinks in the
// container that try to lead out of it.
describe("cp", () => {
  let d: TestDaemon;
  let work: string;
  before(async () => {
    d = await startDaemon();
    work = mkdtempSync(join(tmpdir(), "kt-cp-"));
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    rmSync(work, { recursive: true, force: true });
  });

  for (const cli of ["docker", "kapsel"] as const) {
    const ok = async (args: string[]) => {
      const r = await d[cli](args);
      assert.equal(r.code, 0, `${cli} ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };

    test(`${cli}: a tree goes in and comes back out the same`, async () => {
      const src = join(work, `tree-${cli}`);
      mkdirSync(join(src, "sub", "empty"), { recursive: true });
      writeFileSync(join(src, "a.txt"), "alpha\n", { mode: 0o640 });
      writeFileSync(join(src, "sub", "b.bin"), Buffer.alloc(70_000, 7));
      symlinkSync("a.txt", join(src, "link"));
      const name = `cpc-${cli}`;
      await ok(["run", "-d", "--name", name, "busybox", "sleep", "60"]);
      await ok(["cp", src, `${name}:/data`]);
      assert.equal(
        await ok([
          "exec",
          name,
          "sh",
          "-c",
          "cat /data/a.txt; stat -c %a /data/a.txt; readlink /data/link; ls /data/sub",
        ]),
        "alpha\n640\na.txt\nb.bin\nempty\n",
      );
      const back = join(work, `back-${cli}`);
      await ok(["cp", `${name}:/data`, back]);
      assert.equal(readFileSync(join(back, "a.txt"), "utf8"), "alpha\n");
      assert.equal(statSync(join(back, "a.txt")).mode & 0o777, 0o640);
      assert.equal(readFileSync(join(back, "sub", "b.bin")).length, 70_000);
      assert.equal(readlinkSync(join(back, "link")), "a.txt");
      assert.deepEqual(readdirSync(join(back, "sub", "empty")), []);
      // a single file into an existing directory, and the content of a directory with /.
      await ok(["cp", join(src, "a.txt"), `${name}:/tmp/`]);
      assert.equal(await ok(["exec", name, "cat", "/tmp/a.txt"]), "alpha\n");
      const dot = join(work, `dot-${cli}`);
      mkdirSync(dot);
      await ok(["cp", `${name}:/data/sub/.`, dot]);
      assert.deepEqual(readdirSync(dot).sort(), ["b.bin", "empty"]);
      await ok(["rm", "-f", name]);
    });

    test(`${cli}: cp works on a stopped container and into its volume`, async () => {
      const name = `stopped-${cli}`;
      await ok([
        "create",
        "--name",
        name,
        "-v",
        `cpvol-${cli}:/vol`,
        "busybox",
        "cat",
        "/vol/f",
        "/etc/motd",
      ]);
      writeFileSync(join(work, `f-${cli}`), "into the volume\n");
      writeFileSync(join(work, `motd-${cli}`), "into the rootfs\n");
      await ok(["cp", join(work, `f-${cli}`), `${name}:/vol/f`]);
      await ok(["cp", join(work, `motd-${cli}`), `${name}:/etc/motd`]);
      assert.equal(await ok(["start", "-a", name]), "into the volume\ninto the rootfs\n");
      // -a keeps the owner the file had on the host (the container sets no user)
      const owned = join(work, `owned-${cli}`);
      writeFileSync(owned, "x\n");
      chownSync(owned, 1234, 5678);
      await ok(["run", "-d", "--name", `own-${cli}`, "busybox", "sleep", "60"]);
      await ok(["cp", "-a", owned, `own-${cli}:/owned`]);
      assert.equal(await ok(["exec", `own-${cli}`, "stat", "-c", "%u:%g", "/owned"]), "1234:5678\n");
      await ok(["rm", "-f", name, `own-${cli}`]);
    });

    test(`${cli}: symlinks in the container never lead to the host`, async () => {
      const name = `escape-${cli}`;
      await ok([
        "run",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        "ln -s / /rootlink && ln -s ../../../../../etc /up && ln -s /etc/passwd /pw && echo container > /etc/kt-marker",
      ]);
      // reading through them gives the container's files
      const pw = join(work, `pw-${cli}`);
      await ok(["cp", "-L", `${name}:/pw`, pw]);
      assert.equal(readFileSync(pw, "utf8"), await ok(["run", "--rm", "busybox", "cat", "/etc/passwd"]));
      const marker = join(work, `marker-${cli}`);
      await ok(["cp", `${name}:/up/kt-marker`, marker]);
      assert.equal(readFileSync(marker, "utf8"), "container\n");
      // writing through them lands in the container
      const file = join(work, `evil-${cli}`);
      writeFileSync(file, "evil\n");
      const target = `kt-cp-escape-${process.pid}-${cli}`;
      await ok(["cp", file, `${name}:/rootlink/tmp/${target}`]);
      await ok(["cp", file, `${name}:/up/${target}`]);
      assert.equal(existsSync(`/tmp/${target}`), false, "nothing written in the host's /tmp");
      assert.equal(existsSync(`/etc/${target}`), false, "nothing written in the host's /etc");
      const check = join(work, `check-${cli}`);
      await ok(["cp", `${name}:/etc/${target}`, check]);
      assert.equal(readFileSync(check, "utf8"), "evil\n");
      await ok(["rm", "-f", name]);
    });

    test(`${cli}: cp errors are Docker's`, async () => {
      const name = `err-${cli}`;
      await ok(["create", "--name", name, "busybox"]);
      const missing = await d[cli](["cp", `${name}:/no/such/file`, join(work, "x")]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Could not find the file \/no\/such\/file in container err-/);
      const noContainer = await d[cli](["cp", "nosuchcontainer:/x", join(work, "x")]);
      assert.equal(noContainer.code, 1);
      assert.match(noContainer.stderr, /No such container: nosuchcontainer/);
      await ok(["rm", name]);
    });
  }

  test("a PUT while a GET's tar is still unread works on a stopped container, then the rootfs goes", async () => {
    // dockerode's own tests do this: the first release must not unmount under the second
    const name = "cp-overlap";
    const id = (await d.docker(["create", "--name", name, "busybox"])).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const pack = tar.pack();
    pack.entry({ name: "dropped", mode: 0o644 }, "x\n");
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const get = await new Promise<IncomingMessage>((resolve, reject) =>
        request({ socketPath: d.socket, path: `/v1.50/containers/${name}/archive?path=/etc/passwd` }, resolve)
          .on("error", reject)
          .end(),
      );
      const put = await d.api("PUT", `/v1.50/containers/${name}/archive?path=/root`, body);
      statuses.push(put.status);
      get.resume();
      await new Promise((r) => get.on("end", r));
    }
    assert.deepEqual(statuses, Array(8).fill(200), "every PUT found /root");
    const head = await d.api("HEAD", `/v1.50/containers/${name}/archive?path=/root/dropped`);
    assert.equal(head.status, 200);
    // the release follows the answer: give it a moment
    const mounted = () => readFileSync("/proc/self/mountinfo", "utf8").includes(id);
    for (let i = 0; i < 40 && mounted(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(mounted(), false, "the rootfs is unmounted once the last call is done");
    await d.docker(["rm", name]);
  });

  /** A GET whose client goes away after the first bytes of the answer. */
  const readThenLeave = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: d.socket, path }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (err) =>
        (err as NodeJS.ErrnoException).code === "ECONNRESET" ? resolve() : reject(err),
      );
      req.end();
    });

  test("a reader that leaves in the middle of a file's bytes does not take kapseld down", async () => {
    const name = "cp-leaver";
    await d.docker(["run", "-d", "--name", name, "busybox", "sleep", "60"]);
    for (let i = 0; i < 5; i++) {
      // /bin/busybox is a couple of MB: the reader leaves while its entry is being written
      await readThenLeave(`/v1.50/containers/${name}/archive?path=/bin/busybox`);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await d.api("GET", "/_ping")).body, "OK");
    await d.docker(["rm", "-f", name]);
  });

  test("an export of a stopped container that its reader leaves early gives the rootfs back", async () => {
    const name = "export-leaver";
    const id = (await d.docker(["create", "--name", name, "busybox"])).stdout.trim();
    await readThenLeave(`/v1.50/containers/${name}/export`);
    const mounted = () => readFileSync("/proc/self/mountinfo", "utf8").includes(id);
    for (let i = 0; i < 40 && mounted(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(mounted(), false, "the rootfs is unmounted once the reader left");
    assert.equal((await d.docker(["export", name])).code, 0);
    await d.docker(["rm", name]);
  });
});
