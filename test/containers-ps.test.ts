import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// ps and inspect through the real docker CLI and through kapsel, over a fixed set of four
// containers made once (in this order, so before/since and -n have something to order):
// ps-run (running, team=a), ps-created (created, team=b), ps-exit3 (exited 3), ps-exit0.
describe("container listing and inspect", () => {
  let d: TestDaemon;
  const ids: Record<string, string> = {};
  before(async () => {
    d = await startDaemon();
    const make = async (args: string[]) => {
      const r = await d.docker(args);
      assert.ok(r.code === 0 || args.includes("ps-exit3"), r.stderr);
    };
    await make(["run", "-d", "--name", "ps-run", "-l", "team=a", "busybox", "sleep", "300"]);
    await make(["create", "--name", "ps-created", "-l", "team=b", "busybox", "true"]);
    await make(["run", "--name", "ps-exit3", "busybox", "sh", "-c", "exit 3"]);
    await make(["run", "--name", "ps-exit0", "busybox", "true"]);
    for (const name of ["ps-run", "ps-created", "ps-exit3", "ps-exit0"]) {
      ids[name] = (await d.docker(["inspect", "-f", "{{.Id}}", name])).stdout.trim();
    }
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[]) => d[cli](args);
    const names = async (...args: string[]) => {
      const r = await run(["ps", ...args, "--format", "{{.Names}}"]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split("\n").filter(Boolean);
    };

    test(`${cli}: ps shows running containers in Docker's table`, async () => {
      const r = await run(["ps"]);
      const [header, ...rows] = r.stdout.trimEnd().split("\n");
      assert.deepEqual(header.split(/\s{2,}/), [
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
      ]);
      assert.equal(rows.length, 1);
      assert.match(rows[0], /^[0-9a-f]{12} {3}busybox {3}"sleep 300" {3}.+ ago {3}Up .+ {3}ps-run$/);
      assert.equal(rows[0].slice(0, 12), ids["ps-run"].slice(0, 12));
    });

    test(`${cli}: ps -a lists all, newest first; -n and -l take the newest`, async () => {
      assert.deepEqual(await names("-a"), ["ps-exit0", "ps-exit3", "ps-created", "ps-run"]);
      assert.deepEqual(await names("-n", "2"), ["ps-exit0", "ps-exit3"]);
      assert.deepEqual(await names("-l"), ["ps-exit0"]);
      const a = await run(["ps", "-a"]);
      assert.match(a.stdout, /Exited \(3\) .+ ago +ps-exit3\n/);
      assert.match(a.stdout, /Created +ps-created\n/);
    });

    test(`${cli}: ps -q and --no-trunc print ids`, async () => {
      assert.equal((await run(["ps", "-q"])).stdout, `${ids["ps-run"].slice(0, 12)}\n`);
      const all = (await run(["ps", "-aq", "--no-trunc"])).stdout;
      assert.equal(
        all,
        `${["ps-exit0", "ps-exit3", "ps-created", "ps-run"].map((n) => ids[n]).join("\n")}\n`,
      );
      const cmd = await run(["ps", "--no-trunc", "--format", "{{.ID}} {{.Command}}"]);
      assert.equal(cmd.stdout, `${ids["ps-run"]} "sleep 300"\n`);
    });

    test(`${cli}: ps -s adds the sizes`, async () => {
      const r = await run(["ps", "-s", "--format", "{{.Names}} {{.Size}}"]);
      assert.match(r.stdout, /^ps-run \d+(\.\d+)?[kMG]?B \(virtual \d+(\.\d+)?[kMG]?B\)\n$/);
      const table = await run(["ps", "-s"]);
      assert.match(table.stdout.split("\n")[0], / {3}SIZE$/);
    });

    test(`${cli}: ps --filter status, exited, name, id, label, ancestor`, async () => {
      assert.deepEqual(await names("-a", "--filter", "status=exited"), ["ps-exit0", "ps-exit3"]);
      assert.deepEqual(await names("--filter", "status=created"), ["ps-created"]);
      assert.deepEqual(await names("-a", "--filter", "status=running"), ["ps-run"]);
      assert.deepEqual(await names("-a", "--filter", "exited=3"), ["ps-exit3"]);
      assert.deepEqual(await names("-a", "--filter", "exited=0"), ["ps-exit0"]);
      assert.deepEqual(await names("-a", "--filter", "status=exited", "--filter", "exited=3"), ["ps-exit3"]);
      assert.deepEqual(await names("-a", "--filter", "name=ps-exit"), ["ps-exit0", "ps-exit3"]);
      assert.deepEqual(await names("-a", "--filter", "name=^ps-run$"), ["ps-run"]);
      assert.deepEqual(await names("-a", "--filter", `id=${ids["ps-created"].slice(0, 8)}`), ["ps-created"]);
      // name and id values are regular expressions, as in moby's filters.Match
      assert.deepEqual(await names("-a", "--filter", "name=exit[03]$"), ["ps-exit0", "ps-exit3"]);
      assert.deepEqual(await names("-a", "--filter", `id=${ids["ps-run"].slice(20, 40)}`), ["ps-run"]);
      assert.deepEqual(await names("-a", "--filter", "label=team"), ["ps-created", "ps-run"]);
      assert.deepEqual(await names("-a", "--filter", "label=team=b"), ["ps-created"]);
      assert.deepEqual(await names("-a", "--filter", "label=team", "--filter", "label=team=a"), ["ps-run"]);
      assert.equal((await names("-a", "--filter", "ancestor=busybox")).length, 4);
      assert.equal((await names("-a", "--filter", "ancestor=busybox:latest")).length, 4);
      assert.deepEqual(await names("-a", "--filter", "ancestor=no-such-image"), []);
    });

    test(`${cli}: ps --filter before and since order by creation`, async () => {
      assert.deepEqual(await names("-a", "--filter", "before=ps-exit3"), ["ps-created", "ps-run"]);
      assert.deepEqual(await names("-a", "--filter", "since=ps-created"), ["ps-exit0", "ps-exit3"]);
      // like exited=, before/since do not imply -a: without it only running containers count
      assert.deepEqual(await names("--filter", "since=ps-run"), []);
      assert.deepEqual(await names("--filter", "exited=0"), []);
      assert.deepEqual(await names("-a", "--filter", "since=ps-run"), ["ps-exit0", "ps-exit3", "ps-created"]);
      const missing = await run(["ps", "--filter", "since=ps-nope"]);
      assert.deepEqual(
        [missing.code, missing.stderr],
        [1, "Error response from daemon: No such container: ps-nope\n"],
      );
    });

    test(`${cli}: ps --format json gives one object per line`, async () => {
      const r = await run(["ps", "-a", "--filter", "name=ps-run", "--format", "json"]);
      const row = JSON.parse(r.stdout);
      assert.equal(row.Names, "ps-run");
      assert.equal(row.ID, ids["ps-run"].slice(0, 12));
      assert.equal(row.Image, "busybox");
      assert.equal(row.Command, '"sleep 300"');
      assert.equal(row.Labels, "team=a");
      assert.equal(row.State, "running");
      assert.match(row.Status, /^Up /);
      const all = (await run(["ps", "-a", "--format", "{{json .}}"])).stdout.trim().split("\n");
      assert.deepEqual(
        all.map((l) => JSON.parse(l).Names),
        ["ps-exit0", "ps-exit3", "ps-created", "ps-run"],
      );
    });

    test(`${cli}: ps --format table with templates, labels and functions`, async () => {
      const r = await run(["ps", "-a", "--format", 'table {{.Names}}\t{{.State}}\t{{.Label "team"}}']);
      assert.equal(
        r.stdout,
        [
          "NAMES        STATE     team",
          "ps-exit0     exited    ",
          "ps-exit3     exited    ",
          "ps-created   created   b",
          "ps-run       running   a",
          "",
        ].join("\n"),
      );
      const f = await run([
        "ps",
        "--format",
        '{{upper .Names}} {{join (split .Image ":") "+"}} {{.Image | printf "%q"}}',
      ]);
      assert.equal(f.stdout, 'PS-RUN busybox "busybox"\n');
    });

    test(`${cli}: inspect --format with nested fields, json, index, range, join, len`, async () => {
      const r = await run([
        "inspect",
        "--format",
        '{{.Name}} {{.State.Status}} {{.State.Running}} {{.State.ExitCode}} {{json .Config.Cmd}} {{index .Config.Labels "team"}}| {{range .Config.Cmd}}[{{.}}]{{end}} {{join .Config.Cmd ","}} {{len .Config.Cmd}} {{.HostConfig.RestartPolicy.Name}} {{.Config.Image}}',
        "ps-run",
        "ps-exit3",
      ]);
      assert.equal(
        r.stdout,
        '/ps-run running true 0 ["sleep","300"] a| [sleep][300] sleep,300 2 no busybox\n' +
          '/ps-exit3 exited false 3 ["sh","-c","exit 3"] | [sh][-c][exit 3] sh,-c,exit 3 3 no busybox\n',
      );
      // .Id is the JSON name (the Go field is ID): docker falls back to the raw JSON for it
      assert.equal(
        (await run(["inspect", "-f", "{{len .Id}} {{.Id}}", "ps-run"])).stdout,
        `64 ${ids["ps-run"]}\n`,
      );
      const state = JSON.parse((await run(["inspect", "-f", "{{json .State}}", "ps-exit3"])).stdout);
      assert.equal(state.Status, "exited");
      assert.equal(state.ExitCode, 3);
      assert.match(state.FinishedAt, /^\d{4}-\d\d-\d\dT/);
    });

    test(`${cli}: inspect prints a JSON array; -s adds sizes`, async () => {
      const r = await run(["inspect", "ps-run", "ps-created"]);
      const list = JSON.parse(r.stdout);
      assert.deepEqual(
        list.map((c: { Name: string; Id: string }) => [c.Name, c.Id]),
        [
          ["/ps-run", ids["ps-run"]],
          ["/ps-created", ids["ps-created"]],
        ],
      );
      assert.equal(list[0].Config.Labels.team, "a");
      assert.equal(list[1].State.Status, "created");
      const sized = await run(["inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}}", "ps-run"]);
      assert.match(sized.stdout, /^\d+ \d+\n$/);
      const short = await run(["container", "inspect", "-f", "{{.Name}}", ids["ps-run"].slice(0, 6)]);
      assert.equal(short.stdout, "/ps-run\n");
    });

    test(`${cli}: inspect of an unknown name prints the rest and fails`, async () => {
      const r = await run(["inspect", "-f", "{{.Name}}", "ps-run", "ps-nope"]);
      assert.equal(r.stdout, "/ps-run\n");
      assert.equal(r.stderr, "Error: No such object: ps-nope\n");
      assert.equal(r.code, 1);
      const c = await run(["container", "inspect", "ps-nope"]);
      assert.equal(c.stdout, "[]\n");
      assert.equal(c.stderr, "Error response from daemon: No such container: ps-nope\n");
      assert.equal(c.code, 1);
    });

    test(`${cli}: bad ps flags and filters are refused like Docker's`, async () => {
      const flag = await run(["ps", "--bogus"]);
      assert.equal(flag.code, 125);
      assert.match(flag.stderr, /^unknown flag: --bogus\n/);
      const filter = await run(["ps", "-a", "--filter", "bogus=1"]);
      assert.deepEqual(
        [filter.code, filter.stderr],
        [1, "Error response from daemon: invalid filter 'bogus'\n"],
      );
      const status = await run(["ps", "-a", "--filter", "status=sleeping"]);
      assert.deepEqual(
        [status.code, status.stderr],
        [
          1,
          "Error response from daemon: invalid filter 'status=sleeping': invalid value for state (sleeping): must be one of created, running, paused, restarting, removing, exited, dead\n",
        ],
      );
      const exited = await run(["ps", "-a", "--filter", "exited=x"]);
      assert.equal(exited.code, 1);
      assert.match(exited.stderr, /invalid filter 'exited=x'/);
    });
  }

  test("kapsel prints what docker prints for the same ps and inspect formats", async () => {
    const formats = [
      [
        "ps",
        "-a",
        "--format",
        "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Names}}\t{{.Labels}}\t{{.State}}",
      ],
      ["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}} {{.Mounts}} {{.Networks}} {{.Ports}}"],
      ["ps", "-a", "--filter", "status=exited", "--format", '{{.Names}}: {{.Label "team"}}'],
      ["inspect", "-f", "{{json .Config}}", "ps-run"],
      [
        "inspect",
        "-f",
        "{{json .HostConfig.RestartPolicy}} {{.Path}} {{json .Args}} {{.Driver}}",
        "ps-exit3",
      ],
    ];
    for (const args of formats) {
      const [docker, kapsel] = await Promise.all([d.docker(args), d.kapsel(args)]);
      assert.equal(kapsel.stdout, docker.stdout, args.join(" "));
      assert.equal(kapsel.code, docker.code, args.join(" "));
    }
  });
});
