import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { after, test } from "node:test";
import tar from "tar-stream";
import { LayerPlan } from "./layer-plan.ts";
import { layerTar } from "./layer-tar.ts";

// An image root as a plain folder: /app (0700), /link -> /app, /file.
const root = mkdtempSync("/tmp/kapsel-layer-plan-");
mkdirSync(posix.join(root, "app"));
chmodSync(posix.join(root, "app"), 0o700);
symlinkSync("/app", posix.join(root, "link"));
writeFileSync(posix.join(root, "file"), "x");
const src = posix.join(root, "..", `${posix.basename(root)}-src`);
writeFileSync(src, "hello");
after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(src, { force: true });
});

const NOW = new Date(1_800_000_000_000);

test("mkdirAll follows the image's symlinks; existing directories keep their metadata", async () => {
  const plan = new LayerPlan(root, NOW);
  assert.equal(await plan.mkdirAll("/link/sub/deeper", { uid: 7, gid: 8 }), "app/sub/deeper");
  assert.deepEqual(
    plan.sorted().map((e) => [e.path, e.mode.toString(8), e.uid, e.mtime === NOW.getTime()]),
    [
      ["app", "700", 0, false],
      ["app/sub", "755", 7, true],
      ["app/sub/deeper", "755", 7, true],
    ],
  );
  assert.equal(await plan.isDir("/link"), true);
  assert.equal(await plan.isDir("/file"), false);
  await assert.rejects(plan.mkdirAll("/file/x", { uid: 0, gid: 0 }), /a file is in the way/);
});

test("a plan of directories that were all there is empty", async () => {
  const plan = new LayerPlan(root, NOW);
  await plan.mkdirAll("/app", { uid: 0, gid: 0 });
  assert.equal(plan.empty, true);
  plan.add("app/new", { type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 5 }, { source: src });
  assert.equal(plan.empty, false);
});

test("the layer tar lists parents first, reads files, clamps mtimes to SOURCE_DATE_EPOCH", async () => {
  const plan = new LayerPlan(root, NOW);
  const dir = await plan.mkdirAll("/link/data", { uid: 0, gid: 0 });
  plan.add(
    `${dir}/hello.txt`,
    { type: "file", mode: 0o640, uid: 1, gid: 2, mtime: 1_000_000, size: 5 },
    { source: src },
  );
  plan.add(
    `${dir}/to-hello`,
    { type: "symlink", mode: 0o777, uid: 0, gid: 0, mtime: 1_000_000, size: 0, linkname: "hello.txt" },
    {},
  );
  const epoch = new Date(1_700_000_000_000);
  const extract = tar.extract();
  const seen: string[] = [];
  extract.on("entry", (h, stream, next) => {
    const chunks: Buffer[] = [];
    const body = stream as unknown as NodeJS.EventEmitter;
    body.on("data", (c: Buffer) => chunks.push(c));
    body.on("end", () => {
      seen.push(
        `${h.name} ${h.type} ${(h.mode ?? 0).toString(8)} ${h.mtime?.getTime()} ${Buffer.concat(chunks)}`,
      );
      next();
    });
  });
  const done = new Promise<void>((r) => (extract as unknown as NodeJS.EventEmitter).on("finish", () => r()));
  layerTar(plan, epoch).pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  assert.deepEqual(seen, [
    `app/ directory 700 ${epoch.getTime()} `, // made today, so clamped
    `app/data/ directory 755 ${epoch.getTime()} `,
    "app/data/hello.txt file 640 1000000 hello",
    "app/data/to-hello symlink 777 1000000 ",
  ]);
});
