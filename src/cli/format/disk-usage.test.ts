import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DiskUsage } from "../../client/system-df.ts";
import {
  buildCacheRow,
  diskUsageImageRow,
  diskUsageTotals,
  renderDiskUsage,
  sortBuildCache,
  summaryRow,
} from "./disk-usage.ts";
import { goJson } from "./go-json.ts";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const sec = (iso: string) => Date.parse(iso) / 1000;
const hex = (c: string) => c.repeat(64);

const EMPTY: DiskUsage = { LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] };

// A /system/df answer covering every rule: shared and unique image sizes, a dangling image and
// one whose first tag does not parse; containers in each state; a volume of unknown size;
// build cache records in use, shared and never used.
const DF: DiskUsage = {
  LayersSize: 8_500_000,
  Images: [
    {
      Id: `sha256:${hex("a")}`,
      ParentId: "",
      RepoTags: ["busybox:latest", "example.com/tools/bb:1"],
      RepoDigests: [],
      Created: sec("2025-12-31T12:00:00Z"),
      Size: 4_000_000,
      SharedSize: 4_000_000,
      Labels: null,
      Containers: 2,
    },
    {
      Id: `sha256:${hex("b")}`,
      ParentId: "",
      RepoTags: ["example.com/team/app:v2"],
      RepoDigests: [],
      Created: sec("2026-01-01T11:58:00Z"),
      Size: 5_000_000,
      SharedSize: 4_000_000,
      Labels: null,
      Containers: 1,
    },
    {
      Id: `sha256:${hex("c")}`,
      ParentId: "",
      RepoTags: [],
      RepoDigests: [],
      Created: sec("2025-10-01T12:00:00Z"),
      Size: 3_000_000,
      SharedSize: 0,
      Labels: null,
      Containers: 0,
    },
    {
      Id: `sha256:${hex("d")}`,
      ParentId: "",
      RepoTags: ["<none>:<none>"],
      RepoDigests: [`x@sha256:${hex("e")}`],
      Created: sec("2025-10-01T12:00:00Z"),
      Size: 500_000,
      SharedSize: 0,
      Labels: null,
      Containers: 0,
    },
  ],
  Containers: [
    container("1", "web", "running", 100, "Up 2 hours"),
    container("2", "paused", "paused", 200, "Up 2 hours (Paused)"),
    container("3", "done", "exited", 1000, "Exited (0) 3 minutes ago"),
    { ...container("4", "new", "created", 0, "Created"), SizeRw: undefined },
  ],
  Volumes: [volume("v1", 6, 1), volume("v2", 10, 0), volume("v3", -1, 0)],
  BuildCache: [
    cache("r1", { InUse: true, Size: 1000, LastUsedAt: "2026-01-01T11:00:00Z" }),
    cache("r2", { Shared: true, Size: 5000, LastUsedAt: "2026-01-01T10:00:00Z" }),
    cache("r3", { Size: 2000 }),
  ],
};

function container(n: string, name: string, state: string, sizeRw: number, status: string) {
  return {
    Id: hex(n),
    Names: [`/${name}`],
    Image: "busybox",
    ImageID: `sha256:${hex("a")}`,
    Command: "sh -c 'sleep 1000 && echo a long command'",
    Created: sec("2026-01-01T10:00:00Z"),
    Ports: [],
    SizeRw: sizeRw,
    SizeRootFs: 4_000_100,
    Labels: {},
    State: state,
    Status: status,
    Mounts: [{ Type: "volume", Name: "v1", Destination: "/d", Driver: "local" }],
  };
}

function volume(name: string, size: number, refCount: number) {
  return {
    Name: name,
    Driver: "local",
    Mountpoint: `/var/lib/kapsel/volumes/${name}/_data`,
    Labels: {},
    Scope: "local",
    Options: {},
    UsageData: { Size: size, RefCount: refCount },
  };
}

function cache(id: string, o: { InUse?: boolean; Shared?: boolean; Size: number; LastUsedAt?: string }) {
  return {
    ID: id,
    Parents: null,
    Type: "regular",
    Description: `step ${id}`,
    InUse: o.InUse ?? false,
    Shared: o.Shared ?? false,
    Size: o.Size,
    CreatedAt: "2025-12-01T00:00:00Z",
    LastUsedAt: o.LastUsedAt ?? null,
    UsageCount: 3,
  };
}

describe("diskUsageTotals", () => {
  test("adds up each type as docker CLI 28 does", () => {
    assert.deepEqual(diskUsageTotals(DF), [
      // LayersSize less what the used images hold alone (b's 1 MB)
      { type: "Images", totalCount: 4, active: 2, size: 8_500_000, reclaimable: 7_500_000 },
      // writable layers only; running and paused ones are not reclaimable
      { type: "Containers", totalCount: 4, active: 2, size: 1300, reclaimable: 1000 },
      // a volume of unknown size (-1) counts for nothing
      { type: "Local Volumes", totalCount: 3, active: 1, size: 16, reclaimable: 10 },
      // shared records are not the builder's; the one in use is kept
      { type: "Build Cache", totalCount: 3, active: 1, size: 3000, reclaimable: 2000 },
    ]);
  });

  test("images of unknown size or shared size, or with an unknown container count, are skipped or counted as docker does", () => {
    const du: DiskUsage = {
      ...EMPTY,
      LayersSize: 100,
      Images: [
        { ...DF.Images![1], Size: -1, SharedSize: 0, Containers: 1 },
        { ...DF.Images![1], Size: 60, SharedSize: 20, Containers: -1 },
      ],
    };
    // Containers -1 ("not set") is not 0, so its unique 40 bytes count as used
    assert.equal(diskUsageTotals(du)[0].reclaimable, 60);
    // active means more than 0 containers: -1 is not
    assert.equal(diskUsageTotals(du)[0].active, 1);
  });
});

describe("summaryRow", () => {
  test("shows the reclaimable share as Go's integer division, never for the build cache", () => {
    const rows = diskUsageTotals(DF).map(summaryRow);
    assert.deepEqual(
      rows.map((r) => [r.Type, r.TotalCount, r.Active, r.Size, r.Reclaimable]),
      [
        ["Images", "4", "2", "8.5MB", "7.5MB (88%)"],
        ["Containers", "4", "2", "1.3kB", "1kB (76%)"],
        ["Local Volumes", "3", "1", "16B", "10B (62%)"],
        ["Build Cache", "3", "1", "3kB", "2kB"],
      ],
    );
  });

  test("gives no share when the size is zero", () => {
    assert.deepEqual(
      diskUsageTotals(EMPTY).map((t) => summaryRow(t).Reclaimable),
      ["0B", "0B", "0B", "0B"],
    );
  });

  test("marshals as docker's formatter contexts: sorted method names", () => {
    assert.equal(
      goJson(summaryRow(diskUsageTotals(DF)[2])),
      '{"Active":"1","Reclaimable":"10B (62%)","Size":"16B","TotalCount":"3","Type":"Local Volumes"}',
    );
  });
});

describe("renderDiskUsage without -v", () => {
  test("prints the summary table", () => {
    assert.equal(
      renderDiskUsage(DF, { format: "", verbose: false }),
      [
        "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE",
        "Images          4         2         8.5MB     7.5MB (88%)",
        "Containers      4         2         1.3kB     1kB (76%)",
        "Local Volumes   3         1         16B       10B (62%)",
        "Build Cache     3         1         3kB       2kB",
        "",
      ].join("\n"),
    );
  });

  // docker/cli formatter/disk_usage_test.go and its golden files
  test("prints zeros for an empty daemon", () => {
    const zeros = [
      "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE",
      "Images          0         0         0B        0B",
      "Containers      0         0         0B        0B",
      "Local Volumes   0         0         0B        0B",
      "Build Cache     0         0         0B        0B",
      "",
    ].join("\n");
    assert.equal(renderDiskUsage(EMPTY, { format: "table", verbose: false }), zeros);
    assert.equal(renderDiskUsage({}, { format: "", verbose: false }), zeros);
  });

  test("takes a custom table template", () => {
    assert.equal(
      renderDiskUsage(EMPTY, { format: "table {{.Type}}\t{{.Active}}", verbose: false }),
      "TYPE            ACTIVE\nImages          0\nContainers      0\nLocal Volumes   0\nBuild Cache     0\n",
    );
  });

  test("has a raw format", () => {
    const block = (type: string) => `type: ${type}\ntotal: 0\nactive: 0\nsize: 0B\nreclaimable: 0B\n\n`;
    assert.equal(
      renderDiskUsage(EMPTY, { format: "raw", verbose: false }),
      ["Images", "Containers", "Local Volumes", "Build Cache"].map(block).join(""),
    );
  });

  test("prints one JSON object a line with json", () => {
    const lines = renderDiskUsage(DF, { format: "json", verbose: false }).split("\n");
    assert.equal(lines.length, 5);
    assert.equal(
      lines[0],
      '{"Active":"2","Reclaimable":"7.5MB (88%)","Size":"8.5MB","TotalCount":"4","Type":"Images"}',
    );
    assert.equal(lines[4], "");
  });

  test("fails as docker does on bad templates", () => {
    assert.throws(() => renderDiskUsage(EMPTY, { format: "{{InvalidFunction}}", verbose: false }), {
      message: 'template parsing error: template: :1: function "InvalidFunction" not defined',
    });
    assert.throws(() => renderDiskUsage(EMPTY, { format: "{{nil}}", verbose: false }), {
      message: 'template parsing error: template: :1:2: executing "" at <nil>: nil is not a command',
    });
    assert.throws(() => renderDiskUsage(EMPTY, { format: "{{.Images}}", verbose: false }), {
      message:
        'template parsing error: template: :1:2: executing "" at <.Images>: can\'t evaluate field Images in type *formatter.diskUsageImagesContext',
    });
  });
});

describe("renderDiskUsage -v", () => {
  test("prints the four sections, images by their first tag, containers without the virtual size", () => {
    assert.equal(
      renderDiskUsage(DF, { format: "", verbose: true, now: NOW }),
      `Images space usage:

REPOSITORY             TAG       IMAGE ID       CREATED         SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS
busybox                latest    aaaaaaaaaaaa   24 hours ago    4MB       4MB           0B            2
example.com/team/app   v2        bbbbbbbbbbbb   2 minutes ago   5MB       4MB           1MB           1
<none>                 <none>    cccccccccccc   3 months ago    3MB       0B            3MB           0

Containers space usage:

CONTAINER ID   IMAGE     COMMAND                  LOCAL VOLUMES   SIZE      CREATED       STATUS                     NAMES
111111111111   busybox   "sh -c 'sleep 1000 &…"   1               100B      2 hours ago   Up 2 hours                 web
222222222222   busybox   "sh -c 'sleep 1000 &…"   1               200B      2 hours ago   Up 2 hours (Paused)        paused
333333333333   busybox   "sh -c 'sleep 1000 &…"   1               1kB       2 hours ago   Exited (0) 3 minutes ago   done
444444444444   busybox   "sh -c 'sleep 1000 &…"   1               0B        2 hours ago   Created                    new

Local Volumes space usage:

VOLUME NAME   LINKS     SIZE
v1            1         6B
v2            0         10B
v3            0         -1B

Build cache usage: 3kB

CACHE ID   CACHE TYPE   SIZE      CREATED       LAST USED           USAGE     SHARED
r3         regular      2kB       4 weeks ago                       3         false
r2         regular      5kB       4 weeks ago   2 hours ago         3         true
r1*        regular      1kB       4 weeks ago   About an hour ago   3         false
`,
    );
  });

  test("prints only headers for an empty daemon (docker's test)", () => {
    assert.equal(
      renderDiskUsage(EMPTY, { format: "table", verbose: true }),
      `Images space usage:

REPOSITORY   TAG       IMAGE ID   CREATED   SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS

Containers space usage:

CONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES

Local Volumes space usage:

VOLUME NAME   LINKS     SIZE

Build cache usage: 0B

CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED
`,
    );
    assert.equal(renderDiskUsage(EMPTY, { format: "raw", verbose: true }), "");
  });

  test("runs a template once over all the lists, in Go's field order, without a trailing newline", () => {
    assert.equal(
      renderDiskUsage(EMPTY, { format: "{{json .}}", verbose: true }),
      '{"Images":[],"Containers":[],"Volumes":[],"BuildCache":[]}',
    );
    assert.equal(
      renderDiskUsage(DF, { format: "{{range .Volumes}}{{.Name}}={{.Size}} {{end}}", verbose: true }),
      "v1=6B v2=10B v3=-1B ",
    );
  });

  test("does not truncate IDs outside a table; json gives full objects", () => {
    const out = JSON.parse(renderDiskUsage(DF, { format: "json", verbose: true, now: NOW }));
    assert.deepEqual(Object.keys(out), ["Images", "Containers", "Volumes", "BuildCache"]);
    assert.equal(out.Images.length, 3);
    assert.equal(out.Images[0].ID, `sha256:${hex("a")}`);
    assert.equal(out.Images[0].Digest, "");
    assert.equal(out.Containers[0].ID, hex("1"));
    assert.equal(out.Containers[0].Size, "100B");
    assert.equal(out.Containers[0].Command, `"sh -c 'sleep 1000 && echo a long command'"`);
    assert.deepEqual(
      out.BuildCache.map((r: { ID: string }) => r.ID),
      ["r3", "r2", "r1*"],
    );
  });

  test("keeps a template's output up to an execution error and does not wrap it", () => {
    assert.throws(
      () => renderDiskUsage(DF, { format: "{{range .Images}}{{.Tag}} {{.Nope}}{{end}}", verbose: true }),
      (err: Error & { output?: string }) => {
        assert.equal(
          err.message,
          'template: :1:28: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext',
        );
        assert.equal(err.output, "latest ");
        return true;
      },
    );
    assert.throws(() => renderDiskUsage(DF, { format: "{{range}}", verbose: true }), {
      message: /^template parsing error: template: :1: /,
    });
  });
});

describe("verbose rows", () => {
  test("an image whose first tag has no tag part keeps <none>; dangling ones are <none>", () => {
    const img = { ...DF.Images![0], RepoTags: [`busybox@sha256:${hex("f")}`] };
    const row = diskUsageImageRow(img, { trunc: true, now: NOW })!;
    assert.deepEqual([row.Repository, row.Tag], ["<none>", "<none>"]);
    const dangling = diskUsageImageRow(
      { ...img, RepoTags: ["<none>:<none>"], RepoDigests: ["<none>@<none>"] },
      { trunc: true },
    )!;
    assert.deepEqual([dangling.Repository, dangling.Tag], ["<none>", "<none>"]);
    assert.equal(diskUsageImageRow(DF.Images![3], { trunc: true }), undefined);
  });

  test("build cache records: parents joined, in-use marked, never-used first", () => {
    const row = buildCacheRow(
      { ...cache(hex("9"), { InUse: true, Size: 1234567 }), Parents: [hex("1"), hex("2")] },
      { trunc: true, now: NOW },
    );
    assert.equal(row.ID, `${"9".repeat(12)}*`);
    assert.equal(row.Parent, "111111111111"); // docker truncates the joined list
    assert.equal(row.Size, "1.23MB");
    assert.equal(row.CreatedAt, "2025-12-01 00:00:00 +0000 UTC");
    assert.equal(row.LastUsedAt, "");
    assert.deepEqual(
      sortBuildCache([
        cache("b", { Size: 1, LastUsedAt: "2026-01-01T00:00:00Z" }),
        cache("z", { Size: 1 }),
        cache("a", { Size: 1, LastUsedAt: "2026-01-01T00:00:00Z" }),
        cache("y", { Size: 1 }),
      ]).map((r) => r.ID),
      ["y", "z", "a", "b"],
    );
  });
});
