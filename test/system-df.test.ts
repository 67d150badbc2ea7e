import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { errorText } from "../src/cli/status-error.ts";
import { command as dfCommand } from "../src/cli/system-df.ts";
import { memoryStdio, parse } from "../src/cli/test-support.ts";
import { createClient } from "../src/client/index.ts";
import { type CommandResult, startDaemon, type TestDaemon } from "./harness/daemon.ts";

// `system df` prints what docker's prints: the summary with its "(NN%)" shares, the -v
// sections, json and templates, against one daemon holding images, containers (running and
// exited, with data in their writable layers) and volumes (in use, with data).

const DURATION =
  /\b(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?))\b/g;

/** Human times may tick between two runs; they become one token and padding is ignored. */
function withoutTimes(r: CommandResult): CommandResult {
  const t = (s: string) => s.replace(DURATION, "<time>").replace(/ {2,}/g, "  ");
  return { code: r.code, stdout: t(r.stdout), stderr: t(r.stderr) };
}

describe("system df", () => {
  let d: TestDaemon;

  before(async () => {
    d = await startDaemon();
    const setup: string[][] = [
      ["volume", "create", "df-data"],
      [
        "run",
        "--name",
        "df-writer",
        "-v",
        "df-data:/data",
        "busybox",
        "sh",
        "-c",
        "echo hello > /data/f && dd if=/dev/zero of=/big bs=1k count=300 2>/dev/null",
      ],
      ["run", "-d", "--name", "df-sleeper", "-v", "df-idle:/idle", "busybox", "sleep", "600"],
      ["commit", "df-writer", "df-image:1"],
      ["tag", "busybox", "example.com/tools/bb:2"],
    ];
    for (const args of setup) {
      const r = await d.docker(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  /**
   * kapsel's `system df`: the CLI when the command is registered, else the command module run
   * in-process as main.ts would (exit status and error line included).
   */
  async function kapselDf(args: string[]): Promise<CommandResult> {
    const r = await d.kapsel(["system", "df", ...args]);
    if (!r.stderr.includes("unknown command: kapsel system df")) return r;
    const stdio = memoryStdio();
    const client = createClient({ host: `unix://${d.socket}` });
    let code = 0;
    try {
      code =
        (await dfCommand.run({
          path: ["system", "df"],
          flags: parse(dfCommand, args),
          stdio,
          env: d.env,
          global: { hosts: [], debug: false, logLevel: "info" },
          client: () => client,
        })) ?? 0;
    } catch (err) {
      stdio.stderr.write(`${errorText(err)}\n`);
      code = 1;
    } finally {
      client.close();
    }
    return { code, stdout: stdio.out(), stderr: stdio.err() };
  }

  async function same(args: string[], o: { times?: boolean } = {}): Promise<CommandResult> {
    const want = await d.docker(["system", "df", ...args]);
    const got = await kapselDf(args);
    if (o.times) assert.deepEqual(withoutTimes(got), withoutTimes(want));
    else assert.deepEqual(got, want);
    return want;
  }

  test("the summary adds up images, containers, volumes and build cache", async () => {
    const r = await same([]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(lines[0], /^TYPE {12}TOTAL {5}ACTIVE {4}SIZE {6}RECLAIMABLE$/);
    // busybox (two tags, used by both containers) and df-image:1 (unused)
    assert.match(lines[1], /^Images {10}2 {9}1 {9}\S+ +\S+ \(\d+%\)$/);
    // the exited writer's 300 kB are reclaimable, the sleeper is active
    assert.match(lines[2], /^Containers {6}2 {9}1 {9}30\d\.\dkB +30\d\.\dkB \(100%\)$/);
    // both volumes in use: nothing reclaimable
    assert.match(lines[3], /^Local Volumes {3}2 {9}2 {9}6B {8}0B \(0%\)$/);
    assert.equal(lines[4], "Build Cache     0         0         0B        0B");
  });

  test("-v lists every image, container and volume", async () => {
    const r = await same(["-v"], { times: true });
    assert.equal(r.code, 0, r.stderr);
    for (const section of [
      "Images space usage:\n\nREPOSITORY ",
      "\nContainers space usage:\n\nCONTAINER ID ",
      "\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n",
      "\nBuild cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n",
    ]) {
      assert.ok(r.stdout.includes(section), `${section}\nin\n${r.stdout}`);
    }
    assert.match(r.stdout, /\nbusybox +latest +[0-9a-f]{12} /);
    assert.match(r.stdout, /\ndf-image +1 +[0-9a-f]{12} /);
    assert.match(r.stdout, /"sleep 600" +1 +0B .* df-sleeper\n/);
    assert.match(r.stdout, /\ndf-data +1 +6B\n/);
  });

  test("--format takes json and templates, with and without -v", async () => {
    const json = await same(["--format", "json"]);
    assert.deepEqual(
      json.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).Type),
      ["Images", "Containers", "Local Volumes", "Build Cache"],
    );
    await same(["--format", "table {{.Type}}\t{{.Reclaimable}}"]);
    await same(["--format", "{{.Type}}: {{.TotalCount}}/{{.Active}}"]);
    const verbose = await same(["-v", "--format", "json"], { times: true });
    assert.deepEqual(Object.keys(JSON.parse(verbose.stdout)), [
      "Images",
      "Containers",
      "Volumes",
      "BuildCache",
    ]);
    await same(["-v", "--format", "{{range .Volumes}}{{.Name}} {{.Links}} {{.Size}}\n{{end}}"]);
    await same(["-v", "--format", "raw"], { times: true });
  });

  test("a bad template fails as docker's does", async () => {
    const summary = await same(["--format", "{{.Nope}}"]);
    assert.equal(summary.code, 1);
    assert.match(summary.stderr, /^template parsing error: .*can't evaluate field Nope/);
    // with -v, what the template printed before failing is kept
    const verbose = await same(["-v", "--format", "{{range .Images}}{{.Repository}} {{.Nope}}{{end}}"]);
    assert.equal(verbose.code, 1);
  });
});
