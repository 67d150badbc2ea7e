import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CONTAINER_HEADERS,
  type ContainerSummary,
  containerRow,
  DEFAULT_CONTAINER_TABLE_FORMAT,
} from "./container-columns.ts";
import { formatRows, formatTemplateText, headerContext, isTableFormat, listFormat } from "./table-format.ts";

const NOW = Date.UTC(2024, 0, 2, 12, 0, 0);
const DAY_AGO = NOW / 1000 - 24 * 3600;

const CONTAINERS: ContainerSummary[] = [
  {
    Id: "containerID1",
    Names: ["/foobar_baz"],
    Image: "ubuntu",
    ImageID: "",
    Command: "",
    Created: DAY_AGO,
    Ports: [],
    State: "running",
    Status: "",
  },
  {
    Id: "containerID2",
    Names: ["/foobar_bar"],
    Image: "ubuntu",
    ImageID: "",
    Command: "",
    Created: DAY_AGO,
    Ports: [],
    State: "running",
    Status: "",
  },
];

/** docker/cli's formatter tests run untruncated (Context.Trunc defaults to false). */
const rows = (list = CONTAINERS) =>
  list.map((c) => containerRow(c, { trunc: false, now: NOW, timeZone: "UTC" }));
const ps = (format: string, list = CONTAINERS) =>
  formatRows(format, rows(list), { header: CONTAINER_HEADERS });

describe("formatRows, with docker/cli's ContainerWrite expectations", () => {
  it("renders docker ps's default table with the size column", () => {
    assert.equal(
      ps(`${DEFAULT_CONTAINER_TABLE_FORMAT}\\t{{.Size}}`),
      `CONTAINER ID   IMAGE     COMMAND   CREATED        STATUS    PORTS     NAMES        SIZE
containerID1   ubuntu    ""        24 hours ago                       foobar_baz   0B
containerID2   ubuntu    ""        24 hours ago                       foobar_bar   0B
`,
    );
  });

  it("renders docker ps's default table", () => {
    assert.equal(
      ps(DEFAULT_CONTAINER_TABLE_FORMAT),
      `CONTAINER ID   IMAGE     COMMAND   CREATED        STATUS    PORTS     NAMES
containerID1   ubuntu    ""        24 hours ago                       foobar_baz
containerID2   ubuntu    ""        24 hours ago                       foobar_bar
`,
    );
  });

  it("renders a one-column table without padding", () => {
    assert.equal(ps("table {{.Image}}"), "IMAGE\nubuntu\nubuntu\n");
    assert.equal(ps("table {{.State}}"), "STATE\nrunning\nrunning\n");
  });

  it("renders a custom format one line per row, without a header", () => {
    assert.equal(ps("{{.Image}}"), "ubuntu\nubuntu\n");
  });

  it("keeps header titles intact through docker's header functions", () => {
    const format =
      "table {{truncate .ID 5}}\\t{{json .Image}} {{.RunningFor}}/{{title .Status}}/{{pad .Ports 2 2}}.{{upper .Names}} {{lower .Status}}";
    assert.equal(
      ps(format),
      `CONTAINER ID   IMAGE CREATED/STATUS/  PORTS  .NAMES STATUS
conta          "ubuntu" 24 hours ago//.FOOBAR_BAZ 
conta          "ubuntu" 24 hours ago//.FOOBAR_BAR 
`,
    );
  });

  it("titles a split column with the field's header, not a split list", () => {
    assert.equal(ps('table {{split .Image ":"}}'), "IMAGE\n[ubuntu]\n[ubuntu]\n");
  });

  it("prints only the header of a table without rows, and nothing for a custom format", () => {
    assert.equal(ps("table {{.Image}}", []), "IMAGE\n");
    assert.equal(ps("table {{.Image}}\\t{{.Size}}", []), "IMAGE     SIZE\n");
    assert.equal(ps("{{.Image}}", []), "");
  });

  it("reports an unknown function as a template parsing error", () => {
    assert.throws(() => ps("{{InvalidFunction}}"), {
      message: 'template parsing error: template: :1: function "InvalidFunction" not defined',
    });
  });

  it("reports an execution error with Go's location", () => {
    assert.throws(() => ps("{{nil}}"), {
      message: 'template parsing error: template: :1:2: executing "" at <nil>: nil is not a command',
    });
  });

  it("fails on an unknown field of a row as docker's ContainerContext does", () => {
    assert.throws(() => ps("{{.Nope}}"), {
      message:
        'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
    });
  });

  it("marshals a row with {{json .}} as docker does: methods' results, sorted keys", () => {
    const line = ps("{{json .}}").trimEnd().split("\n")[0];
    assert.deepEqual(Object.keys(JSON.parse(line)), [
      "Command",
      "CreatedAt",
      "ID",
      "Image",
      "Labels",
      "LocalVolumes",
      "Mounts",
      "Names",
      "Networks",
      "Platform",
      "Ports",
      "RunningFor",
      "Size",
      "State",
      "Status",
    ]);
    assert.deepEqual(JSON.parse(line), {
      Command: '""',
      CreatedAt: "2024-01-01 12:00:00 +0000 UTC",
      ID: "containerID1",
      Image: "ubuntu",
      Labels: "",
      LocalVolumes: "0",
      Mounts: "",
      Names: "foobar_baz",
      Networks: "",
      Platform: null,
      Ports: "",
      RunningFor: "24 hours ago",
      Size: "0B",
      State: "running",
      Status: "",
    });
  });

  it("turns the json format into one JSON object per row", () => {
    assert.equal(ps("json").split("\n").length, 3);
  });

  it("escapes <, > and & in a marshalled row as json.Marshal does, not in a json of a field", () => {
    const list: ContainerSummary[] = [{ ...CONTAINERS[0], Command: "sh -c 'a > b && c <d'" }];
    assert.match(ps("json", list), /"Command":"\\"sh -c 'a \\u003e b \\u0026\\u0026 c \\u003cd'\\""/);
    assert.equal(ps("{{json .Command}}", list), `"\\"sh -c 'a > b && c <d'\\""\n`);
  });

  it("reads labels with the Label method, titled by the key's last part", () => {
    const list: ContainerSummary[] = [
      { ...CONTAINERS[0], Labels: { "com.example.app-name": "web", z: "1" } },
    ];
    assert.equal(
      ps('table {{.Label "com.example.app-name"}}\\t{{.Labels}}', list),
      "app name   LABELS\nweb        com.example.app-name=web,z=1\n",
    );
  });

  it("formats plain objects (map rows) with a caller's header map", () => {
    const out = formatRows(
      "table {{.Repository}}\\t{{.Tag}}\\t{{.Size}}",
      [{ Repository: "busybox", Tag: "latest", Size: "1.86MB" }],
      {
        header: { Repository: "REPOSITORY", Tag: "TAG", Size: "SIZE" },
      },
    );
    assert.equal(out, "REPOSITORY   TAG       SIZE\nbusybox      latest    1.86MB\n");
  });

  it("prints <no value> in the header for a field the header map lacks", () => {
    assert.equal(
      formatRows("table {{.A}}\\t{{.B}}", [{ A: "1", B: "2" }], { header: { A: "AA" } }),
      "AA        <no value>\n1         2\n",
    );
  });
});

describe("formatTemplateText", () => {
  it("strips table, trims spaces and expands escaped tabs and newlines", () => {
    assert.equal(formatTemplateText("table {{.ID}}\\t{{.Names}}  "), "{{.ID}}\t{{.Names}}");
    assert.equal(formatTemplateText("  {{.ID}}\\n"), "{{.ID}}\n");
  });

  it("turns json into {{json .}} and leaves other whitespace", () => {
    assert.equal(formatTemplateText("json"), "{{json .}}");
    assert.equal(formatTemplateText("\t{{.ID}}"), "\t{{.ID}}");
  });

  it("tells table formats by their prefix, as docker does", () => {
    assert.equal(isTableFormat("table"), true);
    assert.equal(isTableFormat("tablefoo {{.ID}}"), true);
    assert.equal(isTableFormat("{{.ID}} table"), false);
  });
});

describe("headerContext", () => {
  it("titles a label column by the last dotted part with dashes and underscores as spaces", () => {
    const h = headerContext({ ID: "CONTAINER ID" }) as { Label: (s: string) => string; ID: string };
    assert.equal(h.Label("com.docker.compose.project_name"), "project name");
    assert.equal(h.Label("version"), "version");
    assert.equal(h.ID, "CONTAINER ID");
  });
});

describe("listFormat", () => {
  const o = { defaultTable: DEFAULT_CONTAINER_TABLE_FORMAT };
  it("uses the command's default table for no format and for a bare table", () => {
    assert.equal(listFormat("", o), DEFAULT_CONTAINER_TABLE_FORMAT);
    assert.equal(listFormat("table", o), DEFAULT_CONTAINER_TABLE_FORMAT);
    assert.equal(listFormat("table {{.ID}}", o), "table {{.ID}}");
  });

  it("prints only IDs when quiet, whatever the format", () => {
    assert.equal(listFormat("table {{.Image}}", { ...o, quiet: true }), "{{.ID}}");
    assert.equal(listFormat("", { ...o, quiet: true, quietFormat: "{{.Name}}" }), "{{.Name}}");
  });
});
