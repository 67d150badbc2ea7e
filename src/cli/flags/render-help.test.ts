import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CommandSpec, FlagSpec } from "./flag-spec.ts";
import { flagUsages, renderHelp } from "./render-help.ts";
import { argsErrorText, flagErrorText, usageLine } from "./usage-errors.ts";

const FORMAT_HELP = `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`;

const INSPECT_FORMAT_HELP = `Format output using a custom template:
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`;

/** docker's own flag declarations (docker/cli v28.2), to compare kapsel's layout with its output. */
const LOGS: CommandSpec = {
  path: "docker logs",
  usage: "[OPTIONS] CONTAINER",
  short: "Fetch the logs of a container",
  aliases: ["docker container logs", "docker logs"],
  flags: [
    { name: "follow", short: "f", type: "bool", description: "Follow log output" },
    {
      name: "since",
      type: "string",
      description:
        'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
    {
      name: "until",
      type: "string",
      description:
        'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
    { name: "timestamps", short: "t", type: "bool", description: "Show timestamps" },
    { name: "details", type: "bool", description: "Show extra details provided to logs" },
    {
      name: "tail",
      short: "n",
      type: "string",
      default: "all",
      description: "Number of lines to show from the end of the logs",
    },
  ],
};

const PS: CommandSpec = {
  path: "docker ps",
  usage: "[OPTIONS]",
  short: "List containers",
  aliases: ["docker container ls", "docker container list", "docker container ps", "docker ps"],
  flags: [
    { name: "quiet", short: "q", type: "bool", description: "Only display container IDs" },
    { name: "size", short: "s", type: "bool", description: "Display total file sizes" },
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all containers (default shows just running)",
    },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    {
      name: "latest",
      short: "l",
      type: "bool",
      description: "Show the latest created container (includes all states)",
    },
    {
      name: "last",
      short: "n",
      type: "int",
      default: -1,
      description: "Show n last created containers (includes all states)",
    },
    { name: "format", type: "string", description: FORMAT_HELP },
    {
      name: "filter",
      short: "f",
      type: "list",
      typeName: "filter",
      description: "Filter output based on conditions provided",
    },
  ],
};

const STOP: CommandSpec = {
  path: "docker stop",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  short: "Stop one or more running containers",
  aliases: ["docker container stop", "docker stop"],
  flags: [
    { name: "signal", short: "s", type: "string", description: "Signal to send to the container" },
    { name: "timeout", short: "t", type: "int", description: "Seconds to wait before killing the container" },
    {
      name: "time",
      type: "int",
      deprecated: "use --timeout",
      description: "Seconds to wait before killing the container",
    },
  ],
};

const EVENTS: CommandSpec = {
  path: "docker events",
  usage: "[OPTIONS]",
  short: "Get real time events from the server",
  aliases: ["docker system events", "docker events"],
  flags: [
    { name: "since", type: "string", description: "Show all events created since timestamp" },
    { name: "until", type: "string", description: "Stream events until this timestamp" },
    {
      name: "filter",
      short: "f",
      type: "list",
      typeName: "filter",
      description: "Filter output based on conditions provided",
    },
    { name: "format", type: "string", description: INSPECT_FORMAT_HELP },
  ],
};

const INSPECT: CommandSpec = {
  path: "docker inspect",
  usage: "[OPTIONS] NAME|ID [NAME|ID...]",
  short: "Return low-level information on Docker objects",
  flags: [
    { name: "format", short: "f", type: "string", description: INSPECT_FORMAT_HELP },
    { name: "type", type: "string", description: "Only inspect objects of the given type" },
    {
      name: "size",
      short: "s",
      type: "bool",
      description: "Display total file sizes if the type is container",
    },
  ],
};

/** The text of docker 28.2's `--help` for these commands, captured with no terminal (80 columns). */
const DOCKER_HELP = {
  logs: 'Usage:  docker logs [OPTIONS] CONTAINER\n\nFetch the logs of a container\n\nAliases:\n  docker container logs, docker logs\n\nOptions:\n      --details        Show extra details provided to logs\n  -f, --follow         Follow log output\n      --since string   Show logs since timestamp (e.g.\n                       "2013-01-02T13:23:37Z") or relative (e.g. "42m"\n                       for 42 minutes)\n  -n, --tail string    Number of lines to show from the end of the logs\n                       (default "all")\n  -t, --timestamps     Show timestamps\n      --until string   Show logs before a timestamp (e.g.\n                       "2013-01-02T13:23:37Z") or relative (e.g. "42m"\n                       for 42 minutes)\n',
  ps: "Usage:  docker ps [OPTIONS]\n\nList containers\n\nAliases:\n  docker container ls, docker container list, docker container ps, docker ps\n\nOptions:\n  -a, --all             Show all containers (default shows just running)\n  -f, --filter filter   Filter output based on conditions provided\n      --format string   Format output using a custom template:\n                        'table':            Print output in table format\n                        with column headers (default)\n                        'table TEMPLATE':   Print output in table format\n                        using the given Go template\n                        'json':             Print in JSON format\n                        'TEMPLATE':         Print output using the given\n                        Go template.\n                        Refer to https://docs.docker.com/go/formatting/\n                        for more information about formatting output with\n                        templates\n  -n, --last int        Show n last created containers (includes all\n                        states) (default -1)\n  -l, --latest          Show the latest created container (includes all\n                        states)\n      --no-trunc        Don't truncate output\n  -q, --quiet           Only display container IDs\n  -s, --size            Display total file sizes\n",
  stop: "Usage:  docker stop [OPTIONS] CONTAINER [CONTAINER...]\n\nStop one or more running containers\n\nAliases:\n  docker container stop, docker stop\n\nOptions:\n  -s, --signal string   Signal to send to the container\n  -t, --timeout int     Seconds to wait before killing the container\n",
  events:
    "Usage:  docker events [OPTIONS]\n\nGet real time events from the server\n\nAliases:\n  docker system events, docker events\n\nOptions:\n  -f, --filter filter   Filter output based on conditions provided\n      --format string   Format output using a custom template:\n                        'json':             Print in JSON format\n                        'TEMPLATE':         Print output using the given\n                        Go template.\n                        Refer to https://docs.docker.com/go/formatting/\n                        for more information about formatting output with\n                        templates\n      --since string    Show all events created since timestamp\n      --until string    Stream events until this timestamp\n",
  inspect:
    "Usage:  docker inspect [OPTIONS] NAME|ID [NAME|ID...]\n\nReturn low-level information on Docker objects\n\nOptions:\n  -f, --format string   Format output using a custom template:\n                        'json':             Print in JSON format\n                        'TEMPLATE':         Print output using the given\n                        Go template.\n                        Refer to https://docs.docker.com/go/formatting/\n                        for more information about formatting output with\n                        templates\n  -s, --size            Display total file sizes if the type is container\n      --type string     Only inspect objects of the given type\n",
};

describe("renderHelp", () => {
  it("prints docker logs --help as docker does", () => assert.equal(renderHelp(LOGS), DOCKER_HELP.logs));
  it("prints docker ps --help as docker does", () => assert.equal(renderHelp(PS), DOCKER_HELP.ps));
  it("prints docker stop --help as docker does, hiding deprecated flags", () =>
    assert.equal(renderHelp(STOP), DOCKER_HELP.stop));
  it("prints docker events --help as docker does", () =>
    assert.equal(renderHelp(EVENTS), DOCKER_HELP.events));
  it("prints docker inspect --help as docker does, without aliases", () =>
    assert.equal(renderHelp(INSPECT), DOCKER_HELP.inspect));

  it("prints a management command's subcommands", () => {
    const help = renderHelp({
      path: "kapsel container",
      usage: "",
      short: "Manage containers",
      flags: [],
      subcommands: [
        {
          name: "attach",
          short: "Attach local standard input, output, and error streams to a running container",
        },
        { name: "commit", short: "Create a new image from a container's changes" },
      ],
    });
    assert.equal(
      help,
      `Usage:  kapsel container COMMAND

Manage containers

Commands:
  attach      Attach local standard input, output, and error streams to a running container
  commit      Create a new image from a container's changes

Run 'kapsel container COMMAND --help' for more information on a command.
`,
    );
  });

  it("prints the root command's groups before its global options", () => {
    const help = renderHelp(
      {
        path: "kapsel",
        usage: "[OPTIONS] COMMAND",
        short: "A self-sufficient runtime for containers",
        flags: [{ name: "debug", short: "D", type: "bool", description: "Enable debug mode" }],
      },
      {
        root: true,
        groups: [
          {
            title: "Common Commands",
            commands: [{ name: "run", short: "Create and run a new container from an image" }],
          },
          { title: "Management Commands", commands: [{ name: "container", short: "Manage containers" }] },
        ],
        additionalHelp: "For more help on how to use kapsel, read the README.",
      },
    );
    assert.equal(
      help,
      `Usage:  kapsel [OPTIONS] COMMAND

A self-sufficient runtime for containers

Common Commands:
  run         Create and run a new container from an image

Management Commands:
  container   Manage containers

Global Options:
  -D, --debug   Enable debug mode

Run 'kapsel COMMAND --help' for more information on a command.

For more help on how to use kapsel, read the README.
`,
    );
  });

  it("prints examples and a long description", () => {
    const help = renderHelp({
      path: "kapsel x",
      usage: "",
      short: "short",
      long: "The long text.\n",
      example: "  kapsel x",
      flags: [],
    });
    assert.equal(help, "Usage:  kapsel x\n\nThe long text.\n\nExamples:\n  kapsel x\n");
  });
});

describe("flagUsages", () => {
  /** A part of docker run's flags: wrapping, multi-line descriptions and the defaults docker shows. */
  const RUN_FLAGS: FlagSpec[] = [
    {
      name: "annotation",
      type: "map",
      description: "Add an annotation to the container (passed through to the OCI runtime)",
    },
    {
      name: "cgroupns",
      type: "string",
      description: `Cgroup namespace to use (host|private)
'host':    Run the container in the Docker host's cgroup namespace
'private': Run the container in its own private cgroup namespace
'':        Use the cgroup namespace as configured by the
           default-cgroupns-mode option on the daemon (default)`,
    },
    { name: "disable-content-trust", type: "bool", default: true, description: "Skip image verification" },
    { name: "env", short: "e", type: "list", description: "Set environment variables" },
    {
      name: "health-interval",
      type: "duration",
      description: "Time between running the check (ms|s|m|h) (default 0s)",
    },
    {
      name: "health-start-interval",
      type: "duration",
      description: "Time between running the check during the start period (ms|s|m|h) (default 0s)",
    },
    { name: "help", type: "bool", description: "Print usage" },
    { name: "hostname", short: "h", type: "string", description: "Container host name" },
    {
      name: "memory-swappiness",
      type: "int",
      default: -1,
      description: "Tune container memory swappiness (0 to 100)",
    },
    { name: "publish", short: "p", type: "list", description: "Publish a container's port(s) to the host" },
    {
      name: "restart",
      type: "string",
      default: "no",
      description: "Restart policy to apply when a container exits",
    },
    {
      name: "rm",
      type: "bool",
      description: "Automatically remove the container and its associated anonymous volumes when it exits",
    },
    { name: "sysctl", type: "map", description: "Sysctl options" },
  ];

  it("lays out docker run's flags as docker does (its lines for these flags)", () => {
    assert.equal(
      flagUsages(RUN_FLAGS, 79),
      "      --annotation map                   Add an annotation to the\n                                         container (passed through to the\n                                         OCI runtime) (default map[])\n      --cgroupns string                  Cgroup namespace to use\n                                         (host|private)\n                                         'host':    Run the container in\n                                         the Docker host's cgroup\n                                         namespace\n                                         'private': Run the container in\n                                         its own private cgroup namespace\n                                         '':        Use the cgroup\n                                         namespace as configured by the\n                                                    default-cgroupns-mode\n                                         option on the daemon (default)\n      --disable-content-trust            Skip image verification (default\n                                         true)\n  -e, --env list                         Set environment variables\n      --health-interval duration         Time between running the check\n                                         (ms|s|m|h) (default 0s)\n      --health-start-interval duration   Time between running the check\n                                         during the start period\n                                         (ms|s|m|h) (default 0s)\n      --help                             Print usage\n  -h, --hostname string                  Container host name\n      --memory-swappiness int            Tune container memory swappiness\n                                         (0 to 100) (default -1)\n  -p, --publish list                     Publish a container's port(s) to\n                                         the host\n      --restart string                   Restart policy to apply when a\n                                         container exits (default \"no\")\n      --rm                               Automatically remove the\n                                         container and its associated\n                                         anonymous volumes when it exits\n      --sysctl map                       Sysctl options (default map[])\n",
    );
  });

  it("names a flag's value after a backquoted word of its description", () => {
    const out = flagUsages(
      [{ name: "output", short: "o", type: "string", description: "Write to a `file`, not STDOUT" }],
      79,
    );
    assert.equal(out, "  -o, --output file   Write to a file, not STDOUT\n");
  });

  it("shows optional values, non-zero defaults and custom default texts", () => {
    const out = flagUsages(
      [
        { name: "progress", type: "string", optionalValue: "auto", description: "Progress" },
        { name: "shm-size", type: "bytes", default: 64 * 2 ** 20, description: "Size of /dev/shm" },
        { name: "timeout", type: "duration", default: 10e9, description: "Timeout" },
        {
          name: "ulimit",
          type: "list",
          typeName: "ulimit",
          defaultText: "[]",
          description: "Ulimit options",
        },
        { name: "x", type: "stringArray", default: ["a", "b"], description: "X" },
      ],
      79,
    );
    assert.equal(
      out,
      `      --progress string[="auto"]   Progress
      --shm-size bytes             Size of /dev/shm (default 64MiB)
      --timeout duration           Timeout (default 10s)
      --ulimit ulimit              Ulimit options (default [])
      --x stringArray              X (default [a,b])
`,
    );
  });

  it("does not wrap when the width is 0", () => {
    const text = "word ".repeat(30).trim();
    assert.equal(flagUsages([{ name: "a", type: "bool", description: text }], 0), `      --a   ${text}\n`);
  });
});

describe("usage errors", () => {
  it("prints a flag error with the usage line, as cobra's FlagErrorFunc", () => {
    assert.equal(
      flagErrorText("unknown flag: --foo", {
        path: "kapsel run",
        usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
      }),
      "unknown flag: --foo\n\nUsage:  kapsel run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'kapsel run --help' for more information",
    );
    assert.equal(
      usageLine({ path: "kapsel rename", usage: "CONTAINER NEW_NAME" }),
      "kapsel rename CONTAINER NEW_NAME",
    );
  });

  const cmd = (path: string, usage: string): CommandSpec => ({ path, usage, short: "", flags: [] });

  it("words argument-count errors as docker 28's cli/required.go", () => {
    assert.equal(
      argsErrorText(cmd("kapsel run", "[OPTIONS] IMAGE [COMMAND] [ARG...]"), [], { kind: "min", n: 1 }),
      "kapsel: 'kapsel run' requires at least 1 argument\n\nUsage:  kapsel run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'kapsel run --help' for more information",
    );
    assert.equal(
      argsErrorText(cmd("kapsel version", "[OPTIONS]"), ["x"], { kind: "none" }),
      "kapsel: 'kapsel version' accepts no arguments\n\nUsage:  kapsel version [OPTIONS]\n\nRun 'kapsel version --help' for more information",
    );
    assert.equal(
      argsErrorText(cmd("kapsel rename", "CONTAINER NEW_NAME"), ["a"], { kind: "exact", n: 2 }),
      "kapsel: 'kapsel rename' requires 2 arguments\n\nUsage:  kapsel rename CONTAINER NEW_NAME\n\nRun 'kapsel rename --help' for more information",
    );
    assert.equal(
      argsErrorText(cmd("kapsel logs", "[OPTIONS] CONTAINER"), [], { kind: "exact", n: 1 }),
      "kapsel: 'kapsel logs' requires 1 argument\n\nUsage:  kapsel logs [OPTIONS] CONTAINER\n\nRun 'kapsel logs --help' for more information",
    );
    assert.equal(
      argsErrorText(cmd("kapsel port", "CONTAINER [PRIVATE_PORT[/PROTO]]"), [], {
        kind: "range",
        min: 1,
        max: 2,
      }),
      "kapsel: 'kapsel port' requires at least 1 and at most 2 arguments\n\nUsage:  kapsel port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nRun 'kapsel port --help' for more information",
    );
    assert.equal(
      argsErrorText(cmd("kapsel x", "[A]"), ["a", "b"], { kind: "max", n: 1 }),
      "kapsel: 'kapsel x' requires at most 1 argument\n\nUsage:  kapsel x [A]\n\nSRun 'kapsel x --help' for more information",
    );
  });

  it("names an unknown subcommand of a management command", () => {
    const c: CommandSpec = {
      ...cmd("kapsel container", "COMMAND"),
      subcommands: [{ name: "ls", short: "" }],
    };
    assert.equal(
      argsErrorText(c, ["nope"], { kind: "none" }),
      "kapsel: unknown command: kapsel container nope\n\nUsage:  kapsel container COMMAND\n\nRun 'kapsel container --help' for more information",
    );
  });

  it("accepts arguments that fit the rule", () => {
    assert.equal(argsErrorText(cmd("k x", ""), ["a"], { kind: "min", n: 1 }), undefined);
    assert.equal(argsErrorText(cmd("k x", ""), [], { kind: "none" }), undefined);
    assert.equal(argsErrorText(cmd("k x", ""), ["a", "b", "c"], { kind: "any" }), undefined);
  });
});
