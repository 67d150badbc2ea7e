import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type CommandResult, startDaemon, type TestDaemon } from "./harness/daemon.ts";

// kapsel's output is docker's: the same command line, against the same private daemon in the
// same state, prints the same stdout and stderr and exits with the same status. Allowed to
// differ: the program's own name ("kapsel: unknown command" where docker says "docker: ..."),
// and, where noted, human times ("3 seconds ago"), since a second may pass between two runs.

const DURATION =
  /\b(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?))\b/g;

interface Options {
  /** human durations become one token and column padding is ignored */
  times?: boolean;
  /** compare only stdout from this line on (the server half of `version` and `info`) */
  from?: string;
}

/** kapsel names itself where docker does: in usage errors, hints and help. */
function asDocker(text: string): string {
  return text.replace(
    /(^|Usage: {2}|Run '|See '|SRun '|'|command: |Aliases:\n {2}|, )kapsel\b/gm,
    "$1docker",
  );
}

function normalize(r: CommandResult, o: Options): CommandResult {
  let { stdout, stderr } = r;
  if (o.from !== undefined) {
    const at = stdout.indexOf(o.from);
    stdout = at < 0 ? `(no ${o.from})\n${stdout}` : stdout.slice(at);
  }
  if (o.times) {
    const t = (s: string) => s.replace(DURATION, "<time>").replace(/ {2,}/g, "  ");
    stdout = t(stdout);
    stderr = t(stderr);
  }
  return { code: r.code, stdout, stderr };
}

describe("kapsel prints what docker prints", () => {
  let d: TestDaemon;
  let since = "";
  let until = "";

  before(async () => {
    d = await startDaemon();
    since = String(Math.floor(Date.now() / 1000));
    const setup: string[][] = [
      [
        "run",
        "-d",
        "--name",
        "web",
        "--label",
        "app=web",
        "--label",
        "x=a<b>&c",
        "busybox",
        "sh",
        "-c",
        "trap 'exit 0' TERM; while true; do sleep 0.1; done",
      ],
      ["run", "--name", "done", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"],
      ["create", "--name", "made", "busybox", "echo", "hi"],
    ];
    for (const args of setup) {
      const r = await d.docker(args);
      assert.ok(r.code === 0 || args.includes("done"), `${args.join(" ")}: ${r.stderr}`);
    }
    // events are read back in a window that has closed, so neither CLI waits for more
    const end = Math.floor(Date.now() / 1000) + 1;
    until = String(end);
    await new Promise((r) => setTimeout(r, end * 1000 - Date.now() + 50));
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  async function same(args: string[], o: Options = {}): Promise<void> {
    const [docker, kapsel] = await Promise.all([d.docker(args), d.kapsel(args)]);
    const ours = { ...kapsel, stdout: asDocker(kapsel.stdout), stderr: asDocker(kapsel.stderr) };
    assert.deepEqual(normalize(ours, o), normalize(docker, o), `kapsel ${args.join(" ")}`);
  }

  const cases = (name: string, list: [string[], Options?][]) =>
    test(name, async () => {
      for (const [args, o] of list) await same(args, o);
    });

  cases("ps: the default table, -a, -q, --no-trunc, -n, -l, filters", [
    [["ps"], { times: true }],
    [["ps", "-a"], { times: true }],
    [["ps", "-q"]],
    [["ps", "-aq"]],
    [["ps", "--no-trunc"], { times: true }],
    [["ps", "-a", "--no-trunc"], { times: true }],
    [["ps", "-a", "-s"], { times: true }],
    [["ps", "-n", "1", "--format", "{{.Names}}"]],
    [["ps", "-l", "--format", "{{.Names}}"]],
    [["ps", "-a", "--filter", "status=exited", "--format", "{{.Names}} {{.State}}"]],
    [["ps", "-a", "--filter", "name=web", "-q"]],
    [["ps", "-a", "--filter", "label=app=web", "--format", "{{.Names}}"]],
  ]);

  cases("ps --format: table, json, templates", [
    [["ps", "--format", "table"], { times: true }],
    [["ps", "-a", "--format", "json"], { times: true }],
    [["ps", "-a", "--format", "{{json .}}"], { times: true }],
    [["ps", "-a", "--format", "table {{.ID}}\\t{{.Names}}\\t{{.Labels}}\\t{{.Command}}\\t{{.State}}"]],
    [["ps", "-a", "--format", 'table {{.Names}}\t{{.Label "app"}}\t{{.Image}}\t{{.Ports}}']],
    [["ps", "-a", "--format", "{{.Names}}: {{json .Command}} {{.Mounts}} {{.Networks}} {{.LocalVolumes}}"]],
    [["ps", "-a", "--format", "{{.Names}} {{.Size}}"]],
    [["ps", "-q", "--format", "{{.Names}}"]],
  ]);

  cases("ps --format errors", [
    [["ps", "--format", "{{.Nope}}"]],
    [["ps", "--format", "table {{.ID}} {{.Nope}}"]],
    [["ps", "-a", "--format", "{{index .Names 5}}"]],
    [["ps", "--format", "{{"]],
    [["ps", "--format", "{{.Names | nofunc}}"]],
  ]);

  cases("images", [
    [["images"], { times: true }],
    [["images", "-a"], { times: true }],
    [["images", "busybox"], { times: true }],
    [["images", "-q"]],
    [["images", "-q", "--no-trunc"]],
    [["images", "--format", "json"], { times: true }],
    [["images", "--format", "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Size}}"]],
    [["images", "--digests", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}"]],
    [["images", "--format", "{{.Nope}}"]],
    [["image", "ls", "--filter", "reference=busy*", "--format", "{{.Repository}}"]],
  ]);

  cases("inspect --format", [
    [["inspect", "--format", "{{.Name}} {{.State.Status}} {{.State.ExitCode}}", "done", "web", "made"]],
    [["inspect", "-f", "{{json .Config.Labels}}", "web"]],
    [["inspect", "-f", "{{.Config.Labels.x}}|{{.Config.Labels.nope}}", "web"]],
    [["inspect", "-f", '{{index .Config.Labels "app"}}', "web"]],
    [["inspect", "-f", "{{json .Config.Cmd}} {{.Path}} {{.Args}}", "web"]],
    [["inspect", "-f", "{{.Nope}}", "web"]],
    [["inspect", "-f", "{{.State.Nope}}", "web"]],
    [["inspect", "-f", "{{.Id}}", "web", "nope"]],
    [["inspect", "--type", "image", "-f", "{{.Os}}/{{.Architecture}} {{json .RepoTags}}", "busybox"]],
    [["inspect", "--type", "container", "-f", "{{.Name}}", "busybox"]],
    [["inspect", "nope"]],
    [["inspect", "-f", "{{", "web"]],
  ]);

  cases("version: the server half", [
    [["version"], { from: "Server:" }],
    [["version", "--format", "{{.Server.Version}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}}"]],
    [["version", "--format", "{{json .Server}}"]],
    [["version", "--format", "{{range .Server.Components}}{{.Name}}={{.Version}} {{end}}"]],
    [["version", "--format", "{{.Server.ApiVersion}}"]],
    [["version", "--format", "{{.Server.Nope}}"]],
    [["version", "--format", "{{"]],
  ]);

  cases("info: the server half and server fields", [
    [["info"], { from: "Server:" }],
    [
      [
        "info",
        "--format",
        "{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}} {{.ContainersPaused}} {{.Images}}",
      ],
    ],
    [["info", "--format", "{{.Driver}}|{{.OSType}}|{{.Architecture}}|{{.NCPU}}|{{.MemTotal}}|{{.Name}}"]],
    [["info", "--format", "{{json .Plugins}} {{json .Swarm}} {{.HTTPProxy}}"]],
    [["info", "--format", "{{.ServerErrors}} {{.ClientInfo.Debug}}"]],
    [["info", "--format", "{{.HTTPProxy}}|{{.HttpProxy}}"]],
    [["info", "--format", "{{"]],
  ]);

  cases("logs", [
    [["logs", "done"]],
    [["logs", "-t", "done"]],
    [["logs", "--tail", "1", "done"]],
    [["logs", "--details", "--since", "1h", "done"]],
    [["logs", "-f", "done"]],
    [["logs", "nope"]],
    [["logs", "--tail", "x", "done"]],
    [["logs", "--since", "bad", "done"]],
  ]);

  test("events --since/--until, default and --format", async () => {
    const window = ["--since", since, "--until", until];
    await same(["events", ...window]);
    await same(["events", ...window, "--format", "json"]);
    await same(["events", ...window, "--format", "{{json .}}"]);
    await same(["events", ...window, "--format", "{{.}}"]);
    await same([
      "events",
      ...window,
      "--format",
      "{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Status}}",
    ]);
    await same(["events", ...window, "--filter", "event=die"]);
    await same(["events", ...window, "--filter", "container=done", "--format", "{{.Action}}"]);
    await same(["events", ...window, "--format", "{{.Nope}}"]);
    await same(["events", "--since", "bad"]);
  });

  cases("rm, stop and friends: daemon errors", [
    [["rm", "nope"]],
    [["rm", "web"]],
    [["rm", "nope1", "nope2"]],
    [["rm", "-f", "nope"]],
    [["stop", "nope"]],
    [["stop", "nope", "nope2"]],
    [["stop", "-s", "NOPE", "nope"]],
    [["kill", "nope"]],
    [["kill", "made"]],
    [["start", "nope"]],
    [["restart", "nope"]],
    [["wait", "nope"]],
    [["rmi", "nope"]],
    [["rename", "nope", "x"]],
  ]);

  cases("usage errors: unknown flags and commands, missing and extra arguments", [
    [["ps", "--foo"]],
    [["ps", "-x"]],
    [["ps", "extra"]],
    [["ps", "-n", "abc"]],
    [["logs"]],
    [["logs", "--tail"]],
    [["rm"]],
    [["stop"]],
    [["inspect"]],
    [["run"]],
    [["run", "--nope", "busybox"]],
    [["rename", "a"]],
    [["nope"]],
    [["container", "nope"]],
    [["image", "nope"]],
  ]);

  test("inspect finds networks and volumes too, and network templates see Docker's types", async () => {
    for (const args of [
      ["network", "create", "--label", "a=b", "parity-net"],
      ["volume", "create", "parity-vol"],
    ]) {
      const r = await d.docker(args);
      assert.equal(r.code, 0, r.stderr);
    }
    await same(["inspect", "parity-net"]);
    await same(["inspect", "--type", "network", "-f", "{{.Name}} {{.Driver}}", "parity-net"]);
    await same(["inspect", "parity-vol"]);
    await same(["inspect", "--type", "volume", "-f", "{{.Name}} {{.Driver}} {{.Labels}}", "parity-vol"]);
    await same(["inspect", "-f", "{{.Name}}", "parity-net", "parity-vol", "no-such-thing"]);
    // nil pointers print <nil>; an unknown field fails over the raw JSON where docker has it
    for (const t of ["{{.UsageData}} {{.ClusterVolume}} {{.Status}}", "{{.Nope}}"]) {
      await same(["volume", "inspect", "-f", t, "parity-vol"]);
      await same(["inspect", "-f", t, "parity-vol"]);
    }
    for (const t of [
      "{{.IPAM}} {{.IPAM.Config}} {{.ConfigFrom}} {{.Peers}} {{.Services}}",
      "{{.Created}} {{.Containers}} {{.Labels}} {{.Options}} {{.EnableIPv4}} {{.EnableIPv6}}",
      "{{json .IPAM}} {{json .Containers}}",
      "{{.Nope}}",
    ]) {
      await same(["network", "inspect", "-f", t, "parity-net"]);
      await same(["inspect", "-f", t, "parity-net"]);
    }
  });

  test("inspect templates see Docker's typed structs: zero values, nil pointers, fallback errors", async () => {
    for (const args of [
      ["create", "--name", "typed", "-p", "8080:80", "-v", "/data", "--label", "app=web", "busybox", "true"],
      ["create", "--name", "checked", "--health-cmd", "true", "--health-interval", "1s", "busybox", "true"],
    ]) {
      const r = await d.docker(args);
      assert.equal(r.code, 0, r.stderr);
    }
    const container = [
      "{{.HostConfig.Binds}} {{.HostConfig.Links}} {{.Config.Entrypoint}} {{.Config.OnBuild}}",
      "{{.State.Health}} {{.Config.ExposedPorts}} {{.Config.Volumes}} {{json .Config.Volumes}}",
      "{{.HostConfig.RestartPolicy}} {{.HostConfig.LogConfig}} {{.State}}",
      "{{.NetworkSettings.Ports}} {{.HostConfig.PortBindings}} {{.Config.Labels}} {{.HostConfig.Dns}} {{.Mounts}}",
      "{{.Args}} {{.State.Status}} {{.SizeRw}} {{.HostConfig.Init}} {{.GraphDriver}} {{.ImageManifestDescriptor}}",
      "{{.NetworkSettings.NetworkSettingsBase}} {{.HostConfig.ConsoleSize}} {{.HostConfig.CpuShares}}",
      "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.Aliases}} {{$v.IPAMConfig}};{{end}}",
      '{{index .Config.Labels "app"}}|{{index .Config.Labels "nope"}}|{{.Config.Labels.nope}}|{{len .Mounts}}',
      "{{if .State.Health}}health{{else}}none{{end}} {{.Config.Healthcheck}} {{json .Config.Healthcheck}}",
      "{{json .}}",
      "{{json .HostConfig}} {{json .NetworkSettings}} {{json .State}} {{json .Mounts}}",
      "{{.Nope}}",
      "{{.State.Health.Status}}",
      "{{.HostConfig.CPUShares}}",
    ];
    for (const t of container) await same(["container", "inspect", "-f", t, "typed", "checked"]);
    await same(["inspect", "-f", "{{.Config.Labels.nope}} {{.Config.Entrypoint}}", "typed", "checked"]);
    const image = [
      "{{.Config.Volumes}} {{.Config.Entrypoint}} {{.Config.OnBuild}} {{.ContainerConfig}} {{.Config.ExposedPorts}}",
      "{{.RootFS}} {{.Metadata}} {{.GraphDriver.Data}} {{.Descriptor}} {{.Manifests}}",
      "{{json .}}",
      "{{json .Config}} {{json .Metadata}} {{.Config}}",
      "{{.Nope}}",
      "{{.Config.Hostname}}",
    ];
    for (const t of image) {
      await same(["image", "inspect", "-f", t, "busybox"]);
      await same(["inspect", "--type", "image", "-f", t, "busybox"]);
    }
    await same(["inspect", "-f", "{{.Config.OnBuild}} {{.Config.Volumes}}", "typed", "busybox"]);
  });

  cases("help of listing commands", [
    [["ps", "--help"]],
    [["logs", "--help"]],
    [["container", "rm", "--help"]],
  ]);
});
