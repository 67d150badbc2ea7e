import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { test } from "node:test";
import { parseRestartPolicy } from "./container-options.ts";
import { parseFilters } from "./filters.ts";
import { imageFormat, imageRows } from "./image-rows.ts";
import { compactJson, indentJson } from "./json-indent.ts";
import { parsePortSpecs } from "./port-specs.ts";
import { displayProgress } from "./progress.ts";

test("parsePortSpecs reads Docker's -p forms", () => {
  assert.deepEqual(parsePortSpecs(["80"]), {
    exposed: { "80/tcp": {} },
    bindings: { "80/tcp": [{ HostIp: "", HostPort: "" }] },
  });
  assert.deepEqual(parsePortSpecs(["[::1]:8080:80"]).bindings, {
    "80/tcp": [{ HostIp: "::1", HostPort: "8080" }],
  });
  assert.deepEqual(parsePortSpecs(["127.0.0.1::53/udp"]).bindings, {
    "53/udp": [{ HostIp: "127.0.0.1", HostPort: "" }],
  });
  assert.deepEqual(Object.keys(parsePortSpecs(["8000-8001:80-81"]).bindings), ["80/tcp", "81/tcp"]);
  assert.deepEqual(parsePortSpecs(["8000-8001:80-81"]).bindings["81/tcp"], [
    { HostIp: "", HostPort: "8001" },
  ]);
  assert.deepEqual(parsePortSpecs(["published=8080,target=80"]).bindings, {
    "80/tcp": [{ HostIp: "", HostPort: "8080" }],
  });
  assert.deepEqual(parsePortSpecs([], ["90-91/udp"]).exposed, { "90/udp": {}, "91/udp": {} });
});

test("parsePortSpecs rejects bad ports with Docker's messages", () => {
  assert.throws(() => parsePortSpecs(["1.2.3:80:80"]), /invalid IP address: 1.2.3/);
  assert.throws(() => parsePortSpecs(["80/xyz"]), /invalid proto: xyz/);
  assert.throws(() => parsePortSpecs(["x:80"]), /invalid hostPort: x/);
  assert.throws(() => parsePortSpecs(["8000-8002:80-81"]), /invalid ranges specified/);
  assert.throws(() => parsePortSpecs([], ["1:2"]), /invalid port format for --expose: 1:2/);
});

test("parseRestartPolicy", () => {
  assert.deepEqual(parseRestartPolicy("on-failure:5"), { Name: "on-failure", MaximumRetryCount: 5 });
  assert.deepEqual(parseRestartPolicy("always"), { Name: "always" });
  assert.throws(() => parseRestartPolicy(":3"), /no policy provided before colon/);
  assert.throws(() => parseRestartPolicy("on-failure:x"), /maximum retry count must be an integer/);
});

test("parseFilters lower-cases names and collects repeats", () => {
  assert.deepEqual(
    [...parseFilters(["Status=exited", "status=dead", "label=a=b"])],
    [
      ["status", ["exited", "dead"]],
      ["label", ["a=b"]],
    ],
  );
  assert.throws(() => parseFilters(["nope"]), /bad format of filter/);
});

test("indentJson re-indents the daemon's text like Go's json.Indent", () => {
  const raw = '[{"Id":"a","Args":[],"Config":{},"N":12345678901234567890,"S":"x, y: {z}"}]';
  assert.equal(
    indentJson(raw),
    '[\n    {\n        "Id": "a",\n        "Args": [],\n        "Config": {},\n        "N": 12345678901234567890,\n        "S": "x, y: {z}"\n    }\n]',
  );
  assert.equal(compactJson('[ {"a" : "b c"} ]'), '[{"a":"b c"}]');
});

test("imageRows: one row per tag, <none> for dangling, digests only when asked", () => {
  const img = {
    Id: `sha256:${"a".repeat(64)}`,
    ParentId: "",
    RepoTags: ["busybox:latest", "busybox:1", "docker.io/me/app:v1"],
    RepoDigests: [`busybox@sha256:${"b".repeat(64)}`],
    Created: 0,
    Size: 4_260_000,
    SharedSize: -1,
    Labels: null,
    Containers: -1,
  };
  const rows = imageRows(img, { trunc: true, digests: false, formatHasDigest: false, now: 0 });
  assert.deepEqual(
    rows.map((r) => [r.Repository, r.Tag, r.Digest, r.ID, r.Size]),
    [
      ["busybox", "latest", "<none>", "aaaaaaaaaaaa", "4.26MB"],
      ["busybox", "1", "<none>", "aaaaaaaaaaaa", "4.26MB"],
      ["me/app", "v1", "<none>", "aaaaaaaaaaaa", "4.26MB"],
    ],
  );
  const withDigest = imageRows(img, { trunc: false, digests: true, formatHasDigest: true, now: 0 });
  assert.equal(withDigest[0].Digest, `sha256:${"b".repeat(64)}`);
  assert.equal(withDigest[0].ID, img.Id);
  const dangling = imageRows(
    { ...img, RepoTags: [], RepoDigests: [] },
    { trunc: true, digests: false, formatHasDigest: false },
  );
  assert.deepEqual([dangling[0].Repository, dangling[0].Tag], ["<none>", "<none>"]);
});

test("imageFormat: Docker's defaults, -q, --digests, custom formats", () => {
  assert.match(imageFormat("", false, false), /^table \{\{\.Repository\}\}\t\{\{\.Tag\}\}\t\{\{\.ID\}\}/);
  assert.equal(imageFormat("", true, false), "{{.ID}}");
  assert.match(imageFormat("", false, true), /\{\{\.Digest\}\}/);
  assert.equal(imageFormat("{{.Tag}}", true, false), "{{.Tag}}");
  assert.equal(imageFormat("table {{.Tag}}", false, true), "table {{.Tag}}\t{{.Digest}}");
});

test("displayProgress prints statuses, hands aux on, stops on an error line", async () => {
  const out = new PassThrough();
  let text = "";
  out.on("data", (c: Buffer) => (text += c.toString()));
  let aux: unknown;
  await displayProgress(
    Readable.from([
      '{"status":"Fetching busybox-static"}\n{"id":"abc","status":"Pulling fs layer"}\n',
      '{"aux":{"ID":"sha256:1"}}\n',
    ]),
    out,
    false,
    (a) => (aux = a),
  );
  assert.equal(text, "Fetching busybox-static\nabc: Pulling fs layer\n");
  assert.deepEqual(aux, { ID: "sha256:1" });
  await assert.rejects(
    displayProgress(
      Readable.from(['{"errorDetail":{"message":"pull access denied"},"error":"pull access denied"}\n']),
      out,
      false,
    ),
    /pull access denied/,
  );
});
