import assert from "node:assert/strict";
import { test } from "node:test";
import { notFound } from "../../lib/errors.ts";
import { listImages } from "./image-list.ts";
import type { ImageRecord } from "./index.ts";
import { pathPattern } from "./path-match.ts";

test("pathPattern follows Go's path.Match", () => {
  const m = (p: string, s: string) => pathPattern(p).test(s);
  assert.ok(m("busy*", "busybox"));
  assert.ok(!m("busy*", "busy/box"));
  assert.ok(m("x:?", "x:1"));
  assert.ok(m("x:[12]", "x:2") && !m("x:[12]", "x:3"));
  assert.ok(m("x:[^12]", "x:3") && !m("x:[^1-2]", "x:2"));
  assert.ok(m("a\\*b", "a*b") && !m("a\\*b", "axb"));
  assert.ok(m("a.b", "a.b") && !m("a.b", "axb"));
  for (const bad of ["[", "[]", "a[b", "[z-a]", "x\\"])
    assert.throws(() => pathPattern(bad), /syntax error in pattern/);
});

function image(id: string, created: string, o: Partial<ImageRecord> = {}): ImageRecord {
  return {
    id,
    config: { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } },
    repoTags: [],
    repoDigests: [],
    created,
    size: 1,
    layers: [],
    ...o,
  };
}

const base = image("sha256:base", "2024-01-01T00:00:00Z", { repoTags: ["base:latest"] });
const parent = image("sha256:parent", "2024-01-02T00:00:00Z");
const child = image("sha256:child", "2024-01-03T00:00:00Z", {
  repoTags: ["app:1", "app:2", "other:1"],
  parent: "sha256:parent",
  config: {
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [] },
    config: { Labels: { tier: "web" } },
  },
});
const dangling = image("sha256:dangling", "2024-01-04T00:00:00Z");
const src = {
  all: [base, parent, child, dangling],
  parents: new Set(["sha256:parent"]),
  resolve(ref: string) {
    const found = [base, parent, child, dangling].find((i) => i.id === ref || i.repoTags.includes(ref));
    if (!found) throw notFound(`No such image: ${ref}`);
    return found;
  },
};
const ids = (list: ImageRecord[]) => list.map((i) => i.id.slice(7));
const f = (o: Record<string, string[]>) => new Map(Object.entries(o));

test("listImages: newest first; untagged parents only with all", () => {
  assert.deepEqual(ids(listImages(src)), ["dangling", "child", "base"]);
  assert.deepEqual(ids(listImages(src, { all: true })), ["dangling", "child", "parent", "base"]);
});

test("listImages: dangling, label, before, since and until", () => {
  assert.deepEqual(ids(listImages(src, { filters: f({ dangling: ["true"] }) })), ["dangling"]);
  assert.deepEqual(ids(listImages(src, { all: true, filters: f({ dangling: ["1"] }) })), ["dangling"]);
  assert.deepEqual(ids(listImages(src, { filters: f({ dangling: ["false"] }) })), ["child", "base"]);
  assert.throws(
    () => listImages(src, { filters: f({ dangling: ["maybe"] }) }),
    /invalid filter 'dangling=maybe'/,
  );
  assert.deepEqual(ids(listImages(src, { filters: f({ label: ["tier"] }) })), ["child"]);
  assert.deepEqual(ids(listImages(src, { filters: f({ label: ["tier=db"] }) })), []);
  assert.deepEqual(ids(listImages(src, { filters: f({ before: ["app:1"] }) })), ["base"]);
  assert.deepEqual(ids(listImages(src, { filters: f({ since: ["base:latest"] }) })), ["dangling", "child"]);
  assert.deepEqual(
    ids(listImages(src, { filters: f({ until: ["24h"] }), now: new Date("2024-01-04T12:00:00Z") })),
    ["child", "base"],
  );
  assert.deepEqual(ids(listImages(src, { filters: f({ until: ["2024-01-02T12:00:00Z"] }) })), ["base"]);
  assert.throws(() => listImages(src, { filters: f({ until: ["soon"] }) }), /failed to parse value/);
  assert.throws(() => listImages(src, { filters: f({ before: ["nosuch"] }) }), /No such image: nosuch/);
  assert.throws(() => listImages(src, { filters: f({ color: ["red"] }) }), /invalid filter 'color'/);
});

test("listImages: a reference filter narrows each image's names and drops images left without", () => {
  const list = listImages(src, { filters: f({ reference: ["app"] }) });
  assert.deepEqual(ids(list), ["child"]);
  assert.deepEqual(list[0].repoTags, ["app:1", "app:2"]);
  const one = listImages(src, { filters: f({ reference: ["app:2", "base"] }) });
  assert.deepEqual(
    one.map((i) => i.repoTags),
    [["app:2"], ["base:latest"]],
  );
  assert.deepEqual(ids(listImages(src, { filters: f({ reference: ["a*:[12]"] }) })), ["child"]);
});
