import assert from "node:assert/strict";
import { test } from "node:test";
import { decodePathStat, GO_MODE, hasModeBit, type Volume } from "../client/index.ts";
import { formatRows } from "./format/table-format.ts";
import { parse } from "./test-support.ts";
import { toVolumeCreateBody, volumeCreateFlags } from "./volume-create.ts";
import { inspectedVolume } from "./volume-inspect.ts";
import { VOLUME_HEADERS, volumeFormat, volumeRow } from "./volume-ls.ts";
import { toVolumePruneOptions, volumePruneFlags } from "./volume-prune.ts";

const vol = (name: string, extra: Partial<Volume> = {}): Volume => ({
  Name: name,
  Driver: "local",
  Mountpoint: `/var/lib/kapsel/volumes/${name}/_data`,
  CreatedAt: "2026-11-25T10:00:00Z",
  Labels: null,
  Scope: "local",
  Options: null,
  ...extra,
});

test("volume ls: docker's table, quiet and raw forms; a custom format wins over -q", () => {
  const rows = [vol("data"), vol("a-much-longer-volume-name", { Labels: { b: "2", a: "1" } })].map(volumeRow);
  const table = (o: { format?: string; quiet?: boolean }) =>
    formatRows(volumeFormat({ format: o.format ?? "", quiet: o.quiet ?? false, cluster: false }), rows, {
      header: VOLUME_HEADERS,
    });
  assert.equal(table({}), "DRIVER    VOLUME NAME\nlocal     data\nlocal     a-much-longer-volume-name\n");
  assert.equal(table({ quiet: true }), "data\na-much-longer-volume-name\n");
  assert.equal(table({ format: "table", quiet: true }), "data\na-much-longer-volume-name\n");
  assert.equal(table({ format: "{{.Driver}}", quiet: true }), "local\nlocal\n");
  assert.equal(
    table({ format: "raw" }),
    "name: data\ndriver: local\n\nname: a-much-longer-volume-name\ndriver: local\n\n",
  );
  assert.equal(
    table({ format: 'table {{.Name}}\t{{.Labels}}\t{{.Links}}\t{{.Size}}\t{{.Label "a"}}' }),
    "VOLUME NAME                 LABELS    LINKS     SIZE      a\ndata                                  N/A       N/A       \na-much-longer-volume-name   a=1,b=2   N/A       N/A       1\n",
  );
  assert.equal(
    table({ format: "json" }).split("\n")[0],
    '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"","Links":"N/A","Mountpoint":"/var/lib/kapsel/volumes/data/_data","Name":"data","Scope":"local","Size":"N/A","Status":"N/A"}',
  );
  assert.throws(
    () => table({ format: "{{.ID}}" }),
    /can't evaluate field ID in type \*formatter.volumeContext/,
  );
  const used = volumeRow(vol("u", { UsageData: { Size: 1_500_000, RefCount: 2 } }));
  assert.equal(formatRows("{{.Links}} {{.Size}}", [used]), "2 1.5MB\n");
});

test("volume inspect: Go's field order and omitempty, typed fields for templates", () => {
  const v = inspectedVolume(
    vol("data", {
      Labels: { z: "<1>", a: "2" },
      Status: { b: 1, a: "x" },
      UsageData: { Size: 5, RefCount: 1 },
    }),
  );
  assert.equal(
    v.raw,
    '{"CreatedAt":"2026-11-25T10:00:00Z","Driver":"local","Labels":{"a":"2","z":"\\u003c1\\u003e"},"Mountpoint":"/var/lib/kapsel/volumes/data/_data","Name":"data","Options":null,"Scope":"local","Status":{"a":"x","b":1},"UsageData":{"RefCount":1,"Size":5}}',
  );
  const bare = inspectedVolume(vol("b", { CreatedAt: undefined }));
  assert.equal(
    bare.raw,
    '{"Driver":"local","Labels":null,"Mountpoint":"/var/lib/kapsel/volumes/b/_data","Name":"b","Options":null,"Scope":"local"}',
  );
});

test("volume create: NAME or --name (not both), options and labels; cluster flags make a cluster spec", () => {
  const body = (argv: string[]) => toVolumeCreateBody(parse({ flags: volumeCreateFlags }, argv));
  assert.deepEqual(body([]), { Driver: "local" });
  assert.deepEqual(body(["-o", "type=tmpfs", "-o", "device=tmpfs", "--label", "b=2", "--label", "a", "v1"]), {
    Driver: "local",
    DriverOpts: { device: "tmpfs", type: "tmpfs" },
    Labels: { a: "", b: "2" },
    Name: "v1",
  });
  assert.deepEqual(body(["--name", "v2", "-d", "other"]), { Driver: "other", Name: "v2" });
  assert.throws(
    () => body(["--name", "a", "b"]),
    /^Error: conflicting options: cannot specify a volume-name through both --name and as a positional arg$/,
  );
  assert.ok(body(["--group", "g", "v"]).ClusterVolumeSpec);
  // docker tests a flag named "secrets", so --secret alone does not make one
  assert.equal(body(["--secret", "k=v", "v"]).ClusterVolumeSpec, undefined);
});

test("volume prune: --all is the filter all=true, and changes the warning", () => {
  const opts = (argv: string[]) => toVolumePruneOptions(parse({ flags: volumePruneFlags }, argv));
  assert.deepEqual(
    [...opts(["-a", "--filter", "label=x"]).filters],
    [
      ["label", ["x"]],
      ["all", ["true"]],
    ],
  );
  assert.match(
    opts(["-a"]).warning,
    /^WARNING! This will remove all local volumes not used by at least one container\./,
  );
  assert.match(opts([]).warning, /^WARNING! This will remove anonymous local volumes/);
  assert.throws(
    () => opts(["-a", "--filter", "all=1"]),
    /^Error: conflicting options: cannot specify both --all and --filter all=1$/,
  );
});

test("the archive stat header decodes, and Go's type bits are read past 2^31", () => {
  const stat = {
    name: "etc",
    size: 4096,
    mode: GO_MODE.dir + 0o755,
    mtime: "2026-11-25T10:00:00Z",
    linkTarget: "",
  };
  const decoded = decodePathStat(Buffer.from(JSON.stringify(stat)).toString("base64"));
  assert.deepEqual(decoded, stat);
  assert.equal(hasModeBit(decoded.mode, GO_MODE.dir), true);
  assert.equal(hasModeBit(decoded.mode, GO_MODE.symlink), false);
  assert.equal(hasModeBit(GO_MODE.symlink + 0o777, GO_MODE.symlink), true);
  assert.throws(() => decodePathStat(undefined), /^Error: unable to decode container path stat header: EOF$/);
});
