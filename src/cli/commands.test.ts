import assert from "node:assert/strict";
import { test } from "node:test";
import { command as exec, toExecConfig, toExecOptions } from "./exec.ts";
import { command as images, toImagesOptions } from "./images.ts";
import { command as inspect, toInspectOptions } from "./inspect.ts";
import { command as kill, toKillOptions } from "./kill.ts";
import { command as logs, toLogsOptions } from "./logs.ts";
import { checkFormat, command as ps, psFormat, toPsOptions } from "./ps.ts";
import { command as rm, toRmOptions } from "./rm.ts";
import { command as stop, toStopOptions } from "./stop.ts";
import { parse } from "./test-support.ts";

test("ps: defaults list running containers with Docker's table", () => {
  const o = toPsOptions(parse(ps, []));
  assert.deepEqual(
    { all: o.all, quiet: o.quiet, size: o.size, noTrunc: o.noTrunc, limit: o.limit, filters: [...o.filters] },
    { all: false, quiet: false, size: false, noTrunc: false, limit: -1, filters: [] },
  );
  assert.equal(
    psFormat(o),
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
  );
});

test("ps: -a -q --no-trunc -s, filters, -n and --latest", () => {
  const o = toPsOptions(
    parse(ps, ["-aqs", "--no-trunc", "-f", "status=exited", "--filter", "name=web", "-n", "3"]),
  );
  assert.equal(o.all, true);
  assert.equal(o.quiet, true);
  assert.equal(o.size, true);
  assert.equal(o.noTrunc, true);
  assert.equal(o.limit, 3);
  assert.deepEqual(
    [...o.filters],
    [
      ["status", ["exited"]],
      ["name", ["web"]],
    ],
  );
  assert.equal(psFormat(o), "{{.ID}}");
  assert.equal(toPsOptions(parse(ps, ["-l"])).limit, 1);
  assert.equal(psFormat(toPsOptions(parse(ps, ["-s"]))).endsWith("\t{{.Size}}"), true);
});

test("ps: a custom format showing .Size asks for sizes; -q overrides a format", () => {
  const o = toPsOptions(parse(ps, ["--format", "{{.Names}} {{.Size}}"]));
  assert.equal(o.size, true);
  assert.equal(psFormat(o), "{{.Names}} {{.Size}}");
  assert.equal(psFormat(toPsOptions(parse(ps, ["-q", "--format", "{{.Names}}"]))), "{{.ID}}");
});

test("ps: the format is run over an empty row first, as docker checks it", () => {
  // {{json .}} reads every field, Size included, so docker asks for sizes then too
  assert.equal(checkFormat("{{json .}}").has("Size"), true);
  assert.equal(checkFormat("json").has("Size"), false);
  assert.equal(toPsOptions(parse(ps, ["--format", "{{json .}}"])).size, true);
  assert.equal(toPsOptions(parse(ps, ["--format", "{{.Size}}", "--size=false"])).size, false);
  assert.throws(() => checkFormat("{{.Nope}}"), {
    message:
      'failed to execute template: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
  });
  assert.throws(() => checkFormat("{{"), /^Error: failed to parse template: template: :1: unclosed action$/);
});

test("ps: a filter without '=' is a flag error", () => {
  assert.throws(
    () => parse(ps, ["--filter", "foo"]),
    /invalid argument "foo" for "-f, --filter" flag: bad format of filter \(expected name=value\)/,
  );
});

test("logs: -f -t --tail --since --until --details", () => {
  const o = toLogsOptions(
    parse(logs, ["-ft", "--tail", "5", "--since", "42m", "--until", "1h", "--details", "web"]),
  );
  assert.deepEqual(o, {
    container: "web",
    follow: true,
    timestamps: true,
    tail: "5",
    since: "42m",
    until: "1h",
    details: true,
  });
  const d = toLogsOptions(parse(logs, ["web"]));
  assert.equal(d.tail, "all");
  assert.equal(d.since, undefined);
  assert.equal(toLogsOptions(parse(logs, ["-n", "2", "web"])).tail, "2");
});

test("exec: flags end at the container; the command keeps its own flags", () => {
  const o = toExecOptions(
    parse(exec, ["-it", "-u", "root", "-w", "/tmp", "-e", "A=1", "--privileged", "web", "ls", "-la"]),
  );
  assert.equal(o.container, "web");
  assert.deepEqual(o.command, ["ls", "-la"]);
  assert.equal(o.interactive, true);
  assert.equal(o.tty, true);
  assert.equal(o.user, "root");
  assert.equal(o.workdir, "/tmp");
  assert.equal(o.privileged, true);
  assert.deepEqual(o.env, ["A=1"]);
});

test("exec: the create body attaches stdout/stderr, stdin with -i, nothing with -d", () => {
  const attached = toExecConfig(toExecOptions(parse(exec, ["-i", "-e", "HOME", "web", "sh"])), {
    HOME: "/root",
  });
  assert.equal(attached.AttachStdin, true);
  assert.equal(attached.AttachStdout, true);
  assert.equal(attached.AttachStderr, true);
  assert.deepEqual(attached.Env, ["HOME=/root"]);
  assert.deepEqual(attached.Cmd, ["sh"]);
  const detached = toExecConfig(toExecOptions(parse(exec, ["-d", "-i", "web", "sleep", "9"])), {});
  assert.equal(detached.AttachStdin, false);
  assert.equal(detached.AttachStdout, false);
  assert.equal(detached.AttachStderr, false);
});

test("rm: -f -v -l and several containers", () => {
  assert.deepEqual(toRmOptions(parse(rm, ["-fv", "a", "b"])), {
    containers: ["a", "b"],
    force: true,
    volumes: true,
    link: false,
  });
});

test("stop: -t and -s; the deprecated --time conflicts with --timeout", () => {
  assert.deepEqual(toStopOptions(parse(stop, ["-t", "0", "-s", "SIGINT", "web"])), {
    containers: ["web"],
    signal: "SIGINT",
    timeout: 0,
  });
  assert.equal(toStopOptions(parse(stop, ["web"])).timeout, undefined);
  assert.throws(
    () => toStopOptions(parse(stop, ["--time", "1", "-t", "2", "web"])),
    /cannot specify both --timeout and --time/,
  );
});

test("kill: -s", () => {
  assert.deepEqual(toKillOptions(parse(kill, ["-s", "HUP", "web"])), { containers: ["web"], signal: "HUP" });
  assert.equal(toKillOptions(parse(kill, ["web"])).signal, undefined);
});

test("images: -a -q --digests --no-trunc --filter --format and a reference", () => {
  const o = toImagesOptions(
    parse(images, [
      "-aq",
      "--digests",
      "--no-trunc",
      "-f",
      "dangling=true",
      "--format",
      "{{.ID}}",
      "busybox",
    ]),
  );
  assert.equal(o.all, true);
  assert.equal(o.quiet, true);
  assert.equal(o.digests, true);
  assert.equal(o.noTrunc, true);
  assert.equal(o.format, "{{.ID}}");
  assert.equal(o.match, "busybox");
  assert.deepEqual(
    [...o.filters],
    [
      ["dangling", ["true"]],
      ["reference", ["busybox"]],
    ],
  );
});

test("inspect: --type must be one Docker knows", () => {
  assert.equal(toInspectOptions(parse(inspect, ["--type", "image", "x"])).type, "image");
  assert.throws(
    () => toInspectOptions(parse(inspect, ["--type", "bogus", "x"])),
    /unknown type: "bogus": must be one of/,
  );
  assert.throws(() => toInspectOptions(parse(inspect, ["--type", "", "x"])), /type is empty/);
});
