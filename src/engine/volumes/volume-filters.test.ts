import assert from "node:assert/strict";
import { test } from "node:test";
import { ANONYMOUS_LABEL, type FilterSubject, listPredicate, prunePredicate } from "./volume-filters.ts";

const f = (o: Record<string, string[]>) => new Map(Object.entries(o));
const vol = (name: string, o: Partial<FilterSubject> = {}): FilterSubject => ({
  name,
  driver: "local",
  labels: {},
  inUse: false,
  ...o,
});

test("listPredicate matches names exactly or as an unanchored regular expression", () => {
  const p = listPredicate(f({ name: ["^web", "db1"] }));
  assert.equal(p(vol("web-data")), true);
  assert.equal(p(vol("db1")), true);
  assert.equal(p(vol("my-web")), false);
  assert.equal(
    listPredicate(f({ name: ["[bad"] }))(vol("[bad")),
    true,
    "an invalid regexp still matches exactly",
  );
});

test("listPredicate: label key and key=value must all match; driver is exact", () => {
  const v = vol("a", { labels: { env: "prod", tier: "" }, driver: "sshfs" });
  assert.equal(listPredicate(f({ label: ["env"] }))(v), true);
  assert.equal(listPredicate(f({ label: ["env=prod", "tier"] }))(v), true);
  assert.equal(listPredicate(f({ label: ["env=dev"] }))(v), false);
  assert.equal(listPredicate(f({ driver: ["sshfs"] }))(v), true);
  assert.equal(listPredicate(f({ driver: ["ssh"] }))(v), false);
});

test("listPredicate: dangling takes 1/true/0/false, Docker's errors otherwise", () => {
  assert.equal(listPredicate(f({ dangling: ["true"] }))(vol("a")), true);
  assert.equal(listPredicate(f({ dangling: ["1"] }))(vol("a", { inUse: true })), false);
  assert.equal(listPredicate(f({ dangling: ["false"] }))(vol("a", { inUse: true })), true);
  assert.throws(() => listPredicate(f({ dangling: ["maybe"] })), {
    kind: "invalid",
    message: "invalid filter 'dangling=[maybe]'",
  });
  assert.throws(() => listPredicate(f({ dangling: ["true", "0"] })), /invalid filter 'dangling=\[true 0\]'/);
  assert.throws(() => listPredicate(f({ color: ["red"] })), {
    kind: "invalid",
    message: "invalid filter 'color'",
  });
});

test("prunePredicate takes only unused anonymous volumes unless all=true", () => {
  const anon = vol("x", { labels: { [ANONYMOUS_LABEL]: "" } });
  const named = vol("n");
  const p = prunePredicate(f({}));
  assert.equal(p(anon), true);
  assert.equal(p(named), false);
  assert.equal(p({ ...anon, inUse: true }), false);
  const all = prunePredicate(f({ all: ["true"] }));
  assert.equal(all(named), true);
  assert.equal(prunePredicate(f({ all: ["0"] }))(named), false);
});

test("prunePredicate: label and label! filters, and Docker's errors for all", () => {
  const v = vol("a", { labels: { keep: "yes" } });
  assert.equal(prunePredicate(f({ all: ["1"], label: ["keep=yes"] }))(v), true);
  assert.equal(prunePredicate(f({ all: ["1"], "label!": ["keep"] }))(v), false);
  assert.equal(prunePredicate(f({ all: ["1"], "label!": ["other"] }))(v), true);
  assert.throws(() => prunePredicate(f({ all: ["yes"] })), {
    message: `invalid filter 'all': strconv.ParseBool: parsing "yes": invalid syntax`,
  });
  assert.throws(() => prunePredicate(f({ all: ["1", "0"] })), {
    message: "invalid filter 'all=[1 0]': only one value is expected",
  });
  assert.throws(() => prunePredicate(f({ dangling: ["1"] })), { message: "invalid filter 'dangling'" });
});
