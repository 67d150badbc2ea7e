import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type CommandResult, startDaemon, type TestDaemon } from "./harness/daemon.ts";

// `volume create|ls|inspect|rm|prune` through the real docker CLI and kapsel against one private
// daemon: each CLI does the same things to its own volumes, and on shared state both print the
// same stdout and stderr and exit with the same status.

/** kapsel names itself where docker does. */
const asDocker = (text: string) =>
  text.replace(/(^|Usage: {2}|Run '|See '|'|command: |Aliases:\n {2}|, )kapsel\b/gm, "$1docker");

describe("volume commands", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  /** The .Labels column joins a Go map: docker's order is random, so both are sorted here. */
  const sortedLabels = (text: string) =>
    text.replace(
      /("Labels":"|labels: )([^"\n]*)/g,
      (_m, key: string, list: string) => key + list.split(",").sort().join(","),
    );

  async function same(args: string[], input?: string): Promise<CommandResult> {
    const docker = await d.docker(args, { input });
    const kapsel = await d.kapsel(args, { input });
    assert.deepEqual(
      { ...kapsel, stdout: sortedLabels(asDocker(kapsel.stdout)), stderr: asDocker(kapsel.stderr) },
      { ...docker, stdout: sortedLabels(docker.stdout) },
      `kapsel ${args.join(" ")}`,
    );
    return docker;
  }

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[], input?: string) => d[cli](args, { input });
    const ok = async (args: string[], input?: string) => {
      const r = await run(args, input);
      assert.equal(r.code, 0, `${cli} ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };

    test(`${cli}: volume create, ls, inspect and rm`, async () => {
      const name = `vol-${cli}`;
      assert.equal(
        await ok([
          "volume",
          "create",
          "--label",
          "team=blue",
          "-o",
          "type=tmpfs",
          "-o",
          "device=tmpfs",
          name,
        ]),
        `${name}\n`,
      );
      assert.equal(await ok(["volume", "create", "--name", `${name}-2`]), `${name}-2\n`);
      const anonymous = (await ok(["volume", "create"])).trim();
      assert.match(anonymous, /^[0-9a-f]{64}$/);

      assert.equal(await ok(["volume", "ls", "-q", "--filter", `name=${name}`]), `${name}\n${name}-2\n`);
      assert.equal(await ok(["volume", "ls", "-q", "-f", "label=team=blue"]), `${name}\n`);
      assert.match(
        await ok(["volume", "ls"]),
        new RegExp(`^DRIVER    VOLUME NAME\\n(.*\\n)*local     ${name}\\n`),
      );
      assert.equal(
        await ok([
          "volume",
          "inspect",
          "-f",
          '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels.team}} {{index .Options "type"}} {{.Mountpoint}}',
          name,
        ]),
        `${name} local local blue tmpfs ${d.dataRoot}/volumes/${name}/_data\n`,
      );
      const inspected = JSON.parse(await ok(["volume", "inspect", name, `${name}-2`])) as Array<
        Record<string, unknown>
      >;
      assert.deepEqual(
        inspected.map((v) => Object.keys(v)),
        [
          ["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"],
          ["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"],
        ],
      );

      const missing = await run(["volume", "inspect", "-f", "{{.Name}}", name, "nope"]);
      assert.deepEqual(
        [missing.code, missing.stdout, missing.stderr],
        [1, `${name}\n`, "Error response from daemon: get nope: no such volume\n"],
      );
      const conflicting = await run(["volume", "create", "--name", "a", "b"]);
      assert.deepEqual(
        [conflicting.code, conflicting.stderr],
        [
          1,
          "conflicting options: cannot specify a volume-name through both --name and as a positional arg\n",
        ],
      );

      // rm: each name in turn, the failures together at the end
      const rm = await run(["volume", "rm", name, "nope", `${name}-2`, anonymous]);
      assert.deepEqual(
        [rm.code, rm.stdout, rm.stderr],
        [1, `${name}\n${name}-2\n${anonymous}\n`, "Error response from daemon: get nope: no such volume\n"],
      );
      assert.equal(await ok(["volume", "rm", "-f", "nope"]), "nope\n");
      assert.equal(await ok(["volume", "ls", "-q", "--filter", `name=${name}`]), "");
    });

    test(`${cli}: a volume in use is neither removed nor pruned`, async () => {
      const used = `used-${cli}`;
      const unused = `unused-${cli}`;
      await ok(["volume", "create", unused]);
      await ok(["run", "-d", "--name", `holder-${cli}`, "-v", `${used}:/data`, "busybox", "sleep", "60"]);
      const inUse = await run(["volume", "rm", used]);
      assert.equal(inUse.code, 1);
      assert.match(
        inUse.stderr,
        new RegExp(`^Error response from daemon: remove ${used}: volume is in use - \\[[0-9a-f]{64}\\]\\n$`),
      );
      assert.equal(
        await ok(["volume", "ls", "-q", "--filter", "dangling=true", "--filter", `name=${cli}`]),
        `${unused}\n`,
      );

      const declined = await run(["volume", "prune", "-a"], "n\n");
      assert.deepEqual(
        [declined.code, declined.stdout],
        [
          0,
          "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ",
        ],
      );
      const pruned = await ok(["volume", "prune", "-a", "-f", "--filter", `label!=keep`]);
      assert.match(
        pruned,
        new RegExp(
          `^Deleted Volumes:\\n(.+\\n)*${unused}\\n(.+\\n)*\\nTotal reclaimed space: \\d+(\\.\\d+)?[kMG]?B\\n$`,
        ),
      );
      assert.doesNotMatch(pruned, new RegExp(`\n${used}\n`));
      await ok(["rm", "-f", `holder-${cli}`]);
      assert.equal(await ok(["volume", "rm", used]), `${used}\n`);
    });
  }

  test("docker and kapsel print the same for volume ls, inspect and their errors", async () => {
    for (const args of [
      ["volume", "create", "--label", "app=web", "--label", "x=a<b>&c", "shared-web"],
      ["volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=1m", "shared-tmp"],
      ["volume", "create", "shared-10"],
      ["volume", "create", "shared-9"],
    ]) {
      assert.equal((await d.docker(args)).code, 0, args.join(" "));
    }
    for (const args of [
      ["volume", "ls"],
      ["volume", "ls", "-q"],
      ["volume", "list", "--format", "json"],
      ["volume", "ls", "--format", "raw"],
      [
        "volume",
        "ls",
        "--format",
        'table {{.Name}}\\t{{.Label "app"}}\\t{{.Links}}\\t{{.Size}}\\t{{.Mountpoint}}',
      ],
      ["volume", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}} {{.Group}} {{.Status}}"],
      ["volume", "ls", "--filter", "label=app", "--format", '{{.Name}} {{.Label "x"}}'],
      ["volume", "ls", "-f", "driver=local", "-f", "name=shared-1", "-q"],
      ["volume", "ls", "--filter", "nope=1"],
      ["volume", "ls", "--filter", "bad"],
      ["volume", "ls", "--format", "{{.ID}}"],
      ["volume", "ls", "x"],
      ["volume", "inspect", "shared-web", "shared-tmp"],
      ["volume", "inspect", "--format", "json", "shared-web"],
      [
        "volume",
        "inspect",
        "-f",
        '{{json .Labels}} {{.Options}} {{.Status}} {{.CreatedAt | printf "%.4s"}}',
        "shared-web",
        "shared-tmp",
      ],
      ["volume", "inspect", "-f", "{{.Nope}}", "shared-web"],
      ["volume", "inspect", "-f", "{{", "shared-web"],
      ["volume", "inspect", "nope"],
      ["volume", "inspect"],
      ["volume", "create", "bad/name"],
      ["volume", "create", "-o", "foo=bar", "shared-bad"],
      ["volume", "create", "--label", "=x", "v"],
      ["volume", "rm"],
      ["volume", "rm", "nope", "nope2"],
      ["volume", "nope"],
    ]) {
      await same(args);
    }
    // a declined prune prints its question and removes nothing
    await same(["volume", "prune"], "n\n");
    await same(["volume", "prune", "-a", "--filter", "all=1"]);
    await same(["volume", "prune", "-f", "--filter", "label=nothing-has-this"]);
  });
});
