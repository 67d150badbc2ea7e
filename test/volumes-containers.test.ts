import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// Volumes as containers use them, through the real docker CLI and kapsel: named volumes that
// outlive containers, :ro, copy-up of the image's content (owners and modes kept), VOLUME in an
// image, --volumes-from, rm -v, and the refusals around volumes in use.
describe("volumes in containers", () => {
  let d: TestDaemon;
  let hostDir: string;
  before(async () => {
    d = await startDaemon();
    hostDir = mkdtempSync(join(tmpdir(), "kt-vol-"));
    // an image whose /data holds a file owned by 1000:1001 with mode 0640, declared a VOLUME
    const seed = await d.docker([
      "run",
      "--name",
      "seed",
      "busybox",
      "sh",
      "-c",
      "mkdir -p /data/sub && echo from-image > /data/file && chown 1000:1001 /data/file && chmod 640 /data/file && chmod 710 /data/sub && ln -s file /data/link",
    ]);
    assert.equal(seed.code, 0, seed.stderr);
    const commit = await d.docker(["commit", "-c", 'VOLUME ["/data"]', "seed", "volimg"]);
    assert.equal(commit.code, 0, commit.stderr);
    await d.docker(["rm", "seed"]);
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    rmSync(hostDir, { recursive: true, force: true });
  });

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[], input?: string) => d[cli](args, { input });
    const ok = async (args: string[]) => {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };

    test(`${cli}: a named volume keeps data across containers and is made on first use`, async () => {
      const vol = `data-${cli}`;
      await ok(["run", "--rm", "-v", `${vol}:/store`, "busybox", "sh", "-c", "echo kept > /store/f"]);
      assert.equal(await ok(["run", "--rm", "-v", `${vol}:/store`, "busybox", "cat", "/store/f"]), "kept\n");
      const inspect = JSON.parse((await d.docker(["volume", "inspect", vol])).stdout);
      assert.equal(inspect[0].Name, vol);
      assert.equal(inspect[0].Driver, "local");
      // --mount type=volume reaches the same data
      assert.equal(
        await ok(["run", "--rm", "--mount", `type=volume,src=${vol},dst=/m`, "busybox", "cat", "/m/f"]),
        "kept\n",
      );
    });

    test(`${cli}: :ro and readonly mounts refuse writes`, async () => {
      const vol = `ro-${cli}`;
      const r = await run(["run", "--rm", "-v", `${vol}:/store:ro`, "busybox", "touch", "/store/x"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr + r.stdout, /Read-only file system/);
      const m = await run([
        "run",
        "--rm",
        "--mount",
        `type=volume,src=${vol},dst=/m,readonly`,
        "busybox",
        "touch",
        "/m/x",
      ]);
      assert.match(m.stderr + m.stdout, /Read-only file system/);
      // a bind with :ro, and --read-only with a writable volume beside it
      writeFileSync(join(hostDir, "host.txt"), "host\n");
      const b = await run([
        "run",
        "--rm",
        "-v",
        `${hostDir}:/h:ro`,
        "busybox",
        "sh",
        "-c",
        "cat /h/host.txt; touch /h/y",
      ]);
      assert.equal(b.stdout, "host\n");
      assert.match(b.stderr, /Read-only file system/);
      assert.equal(
        await ok([
          "run",
          "--rm",
          "--read-only",
          "-v",
          `${vol}:/w`,
          "busybox",
          "sh",
          "-c",
          "touch /w/ok && echo yes",
        ]),
        "yes\n",
      );
    });

    test(`${cli}: copy-up fills a new volume from the image, keeping owners, modes and links`, async () => {
      const vol = `copy-${cli}`;
      const out = await ok([
        "run",
        "--rm",
        "-v",
        `${vol}:/data`,
        "volimg",
        "sh",
        "-c",
        "stat -c '%n %u:%g %a' /data/file /data/sub; readlink /data/link; cat /data/file",
      ]);
      assert.equal(out, "/data/file 1000:1001 640\n/data/sub 0:0 710\nfile\nfrom-image\n");
      // a volume that has data is not filled again; nocopy leaves a new one empty
      await ok(["run", "--rm", "-v", `${vol}:/data`, "volimg", "rm", "/data/file"]);
      assert.equal(await ok(["run", "--rm", "-v", `${vol}:/data`, "volimg", "ls", "/data"]), "link\nsub\n");
      assert.equal(
        await ok(["run", "--rm", "-v", `nocopy-${cli}:/data:nocopy`, "volimg", "ls", "-A", "/data"]),
        "",
      );
    });

    test(`${cli}: VOLUME in an image makes an anonymous volume that rm -v removes`, async () => {
      const name = `anon-${cli}`;
      await ok(["run", "--name", name, "volimg", "cat", "/data/file"]);
      const vol = (
        await ok(["inspect", "-f", "{{range .Mounts}}{{.Name}} {{.Destination}}{{end}}", name])
      ).trim();
      const [volName, dest] = vol.split(" ");
      assert.match(volName, /^[0-9a-f]{64}$/);
      assert.equal(dest, "/data");
      const labels = (await d.docker(["volume", "inspect", "-f", "{{json .Labels}}", volName])).stdout.trim();
      assert.equal(labels, '{"com.docker.volume.anonymous":""}');
      // in use: volume rm refuses
      const refused = await d.docker(["volume", "rm", volName]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`remove ${volName}: volume is in use - \\[[0-9a-f]{64}\\]`));
      await ok(["rm", "-v", name]);
      const gone = await d.docker(["volume", "inspect", volName]);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /no such volume/);
    });

    test(`${cli}: rm -v keeps named volumes; --rm removes anonymous ones`, async () => {
      const vol = `named-${cli}`;
      const name = `keep-${cli}`;
      await ok(["run", "--name", name, "-v", `${vol}:/n`, "-v", "/anon", "busybox", "true"]);
      const anon = (
        await ok([
          "inspect",
          "-f",
          '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}',
          name,
        ])
      ).trim();
      await ok(["rm", "-v", name]);
      assert.equal((await d.docker(["volume", "inspect", "-f", "{{.Name}}", vol])).stdout.trim(), vol);
      assert.notEqual((await d.docker(["volume", "inspect", anon])).code, 0);
      const before = (await d.docker(["volume", "ls", "-q"])).stdout;
      await ok(["run", "--rm", "-v", "/tmp-anon", "busybox", "true"]);
      assert.equal((await d.docker(["volume", "ls", "-q"])).stdout, before);
    });

    test(`${cli}: --volumes-from shares volumes and binds, :ro makes them read-only`, async () => {
      const src = `src-${cli}`;
      writeFileSync(join(hostDir, "host.txt"), "host\n");
      await ok([
        "create",
        "--name",
        src,
        "-v",
        `shared-${cli}:/shared`,
        "-v",
        `${hostDir}:/hostdir`,
        "busybox",
      ]);
      await ok(["run", "--rm", "--volumes-from", src, "busybox", "sh", "-c", "echo one > /shared/f"]);
      assert.equal(await ok(["run", "--rm", "--volumes-from", src, "busybox", "cat", "/shared/f"]), "one\n");
      const ro = await run(["run", "--rm", "--volumes-from", `${src}:ro`, "busybox", "touch", "/shared/g"]);
      assert.match(ro.stderr, /Read-only file system/);
      assert.equal(
        await ok(["run", "--rm", "--volumes-from", src, "busybox", "ls", "/hostdir"]).then((s) =>
          s.includes("host.txt"),
        ),
        true,
      );
      const missing = await run(["run", "--rm", "--volumes-from", "nope-nope", "busybox", "true"]);
      assert.equal(missing.code, 125);
      assert.match(missing.stderr, /No such container: nope-nope/);
      await ok(["rm", src]);
    });

    test(`${cli}: two containers on one volume see each other's writes`, async () => {
      const vol = `both-${cli}`;
      const name = `writer-${cli}`;
      await ok([
        "run",
        "-d",
        "--name",
        name,
        "-v",
        `${vol}:/v`,
        "busybox",
        "sh",
        "-c",
        "while [ ! -f /v/ping ]; do sleep 0.1; done; echo pong > /v/pong; sleep 30",
      ]);
      await ok(["run", "--rm", "-v", `${vol}:/v`, "busybox", "touch", "/v/ping"]);
      const seen = await ok([
        "run",
        "--rm",
        "-v",
        `${vol}:/v`,
        "busybox",
        "sh",
        "-c",
        "for i in $(seq 50); do [ -f /v/pong ] && cat /v/pong && exit 0; sleep 0.1; done; exit 1",
      ]);
      assert.equal(seen, "pong\n");
      await ok(["rm", "-f", name]);
    });

    test(`${cli}: local volumes with options: tmpfs, and a bind of a host folder`, async () => {
      const tmpfs = `tmpfs-${cli}`;
      await ok([
        "volume",
        "create",
        "--driver",
        "local",
        "--opt",
        "type=tmpfs",
        "--opt",
        "device=tmpfs",
        "--opt",
        "o=size=5m,mode=0750",
        tmpfs,
      ]);
      const mounted = await ok([
        "run",
        "--rm",
        "-v",
        `${tmpfs}:/t`,
        "busybox",
        "sh",
        "-c",
        "grep ' /t ' /proc/mounts; stat -c %a /t",
      ]);
      assert.match(mounted, /^tmpfs \/t tmpfs rw.*size=5120k/m);
      assert.match(mounted, /^750$/m);
      const bound = join(hostDir, `bound-${cli}`);
      mkdirSync(bound);
      writeFileSync(join(bound, "seen"), "from the host\n");
      const vol = `bind-${cli}`;
      await ok(["volume", "create", "-o", "type=none", "-o", "o=bind", "-o", `device=${bound}`, vol]);
      assert.equal(
        await ok([
          "run",
          "--rm",
          "-v",
          `${vol}:/b`,
          "busybox",
          "sh",
          "-c",
          "cat /b/seen; echo back > /b/new",
        ]),
        "from the host\n",
      );
      assert.equal(readFileSync(join(bound, "new"), "utf8"), "back\n");
      await ok(["volume", "rm", tmpfs, vol]);
      assert.equal(readFileSync(join(bound, "seen"), "utf8"), "from the host\n", "the host's data stays");
      // --mount with volume-opt makes the volume with those options; tmpfs-size and tmpfs-mode
      const viaMount = await ok([
        "run",
        "--rm",
        "--mount",
        `type=volume,src=mopt-${cli},dst=/m,volume-driver=local,volume-opt=type=tmpfs,volume-opt=device=tmpfs`,
        "--mount",
        "type=tmpfs,dst=/scratch,tmpfs-size=1m,tmpfs-mode=1770",
        "busybox",
        "sh",
        "-c",
        "grep -c ' /m tmpfs ' /proc/mounts; grep ' /scratch ' /proc/mounts; stat -c %a /scratch",
      ]);
      assert.match(viaMount, /^1$/m);
      assert.match(viaMount, /\/scratch tmpfs .*size=1024k/);
      assert.match(viaMount, /^1770$/m);
      await ok(["volume", "rm", `mopt-${cli}`]);
    });

    test(`${cli}: bad volume specs are refused and leave nothing`, async () => {
      const before = (await d.docker(["ps", "-aq"])).stdout;
      const vols = (await d.docker(["volume", "ls", "-q"])).stdout;
      for (const [args, message] of [
        [["-v", "bad name:/x"], /includes invalid characters for a local volume name/],
        [["-v", "vol:relative"], /mount path must be absolute/],
        [["-v", "va:/x:bogus"], /invalid mode: bogus/],
        [["-v", "va:/x", "-v", "vb:/x"], /Duplicate mount point: \/x/],
      ] as const) {
        const r = await run(["run", "--rm", ...args, "busybox", "true"]);
        assert.equal(r.code, 125, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, message);
      }
      assert.equal((await d.docker(["ps", "-aq"])).stdout, before);
      assert.equal((await d.docker(["volume", "ls", "-q"])).stdout, vols);
    });
  }

  test("kill -9 of kapseld during rm -v leaves named volumes intact", async () => {
    const name = "crash";
    const r = await d.docker([
      "run",
      "--name",
      name,
      "-v",
      "precious:/p",
      "-v",
      "/anon",
      "busybox",
      "sh",
      "-c",
      "echo gold > /p/f",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rm = d.docker(["rm", "-v", name]);
    await new Promise((res) => setTimeout(res, 20));
    await d.stop("SIGKILL");
    await rm;
    await d.start();
    const cat = await d.docker(["run", "--rm", "-v", "precious:/p", "busybox", "cat", "/p/f"]);
    assert.equal(cat.stdout, "gold\n", cat.stderr);
    const data = readFileSync(join(d.dataRoot, "volumes", "precious", "_data", "f"), "utf8");
    assert.equal(data, "gold\n");
    await d.docker(["rm", "-f", "-v", name]);
  });
});
