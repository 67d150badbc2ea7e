import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { buildQuery } from "../client/build.ts";
import { buildFlags, toBuildOptions, validateExtraHost } from "./build.ts";
import { displayBuild, uploadProgress } from "./build-output.ts";
import { StatusError } from "./status-error.ts";
import { memoryStdio, parse } from "./test-support.ts";

const lines = (...messages: unknown[]) => Readable.from(messages.map((m) => `${JSON.stringify(m)}\r\n`));

test("displayBuild prints stream text as it is and returns the aux image ID", async () => {
  const io = memoryStdio();
  const id = await displayBuild(
    lines(
      { stream: "Step 1/2 : FROM busybox" },
      { stream: "\n" },
      { stream: " ---> abc\n" },
      { aux: { ID: "sha256:1234" } },
      { stream: "Successfully built 1234\n" },
    ),
    io.stdout,
    false,
  );
  assert.equal(id, "sha256:1234");
  assert.equal(io.out(), "Step 1/2 : FROM busybox\n ---> abc\nSuccessfully built 1234\n");
});

test("displayBuild: an errorDetail ends the build with its code; a bare error prints an empty line", async () => {
  const io = memoryStdio();
  const failed = displayBuild(
    lines(
      { stream: "x\n" },
      { error: "ignored" },
      {
        errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" },
        error: "e",
      },
      { stream: "never\n" },
    ),
    io.stdout,
    false,
  );
  await assert.rejects(failed, (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.status, 3);
    assert.equal(err.message, "The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    return true;
  });
  assert.equal(io.out(), "x\n\n");
  await assert.rejects(displayBuild(lines({ errorDetail: { message: "no code" } }), io.stdout, false), {
    status: 1,
  });
});

test("uploadProgress: off a terminal, one line when the whole context is sent", async () => {
  const io = memoryStdio();
  const sink = new PassThrough();
  sink.resume();
  await pipeline(
    Readable.from([Buffer.alloc(4096), Buffer.alloc(2048)]),
    uploadProgress(io.stdout, false),
    sink,
  );
  assert.equal(io.out(), "Sending build context to Docker daemon  6.144kB\r\r\n");
});

test("build flags become docker's query; SOURCE_DATE_EPOCH from the environment is a build argument", () => {
  const o = toBuildOptions(
    parse({ flags: buildFlags }, [
      "-t",
      "a:1",
      "-t",
      "b",
      "--build-arg",
      "X=1",
      "--build-arg",
      "UNSET_IN_ENV_42",
      "--rm=false",
      "--network",
      "host",
      "--ulimit",
      "nofile=10:20",
      "--platform",
      "Linux/AMD64",
      "--check",
      "ctx",
    ]),
    { SOURCE_DATE_EPOCH: "1700000000" },
  );
  assert.equal(o.context, "ctx");
  assert.deepEqual(buildQuery({ ...o.api, dockerfile: "Dockerfile" }), {
    buildargs: '{"X":"1","UNSET_IN_ENV_42":null,"SOURCE_DATE_EPOCH":"1700000000"}',
    cachefrom: undefined,
    cgroupparent: undefined,
    check: "1",
    cpuperiod: undefined,
    cpuquota: undefined,
    cpusetcpus: undefined,
    cpusetmems: undefined,
    cpushares: undefined,
    dockerfile: "Dockerfile",
    extrahosts: undefined,
    forcerm: undefined,
    isolation: undefined,
    labels: undefined,
    memory: undefined,
    memswap: undefined,
    networkmode: "host",
    nocache: undefined,
    platform: "linux/amd64",
    pull: undefined,
    q: undefined,
    rm: "0",
    securityopt: undefined,
    shmsize: undefined,
    squash: undefined,
    t: ["a:1", "b"],
    target: undefined,
    ulimits: '[{"Name":"nofile","Hard":20,"Soft":10}]',
    version: "1",
    warnings: "1",
  });
  // a build argument given on the command line wins over the environment's
  const given = toBuildOptions(parse({ flags: buildFlags }, ["--build-arg", "SOURCE_DATE_EPOCH=5", "."]), {
    SOURCE_DATE_EPOCH: "1700000000",
  });
  assert.deepEqual(given.api.buildArgs, { SOURCE_DATE_EPOCH: "5" });
  assert.throws(() => parse({ flags: buildFlags }, ["-t", "Bad:x", "."]), /invalid reference format/);
});

test("--add-host takes host:ip or host=ip and sends host:ip", () => {
  assert.equal(validateExtraHost("a=1.2.3.4"), "a:1.2.3.4");
  assert.equal(validateExtraHost("a:::1"), "a:::1");
  assert.equal(validateExtraHost("a=[::1]"), "a:::1");
  assert.equal(validateExtraHost("gw:host-gateway"), "gw:host-gateway");
  assert.throws(() => validateExtraHost("foo"), /^Error: bad format for add-host: "foo"$/);
  assert.throws(() => validateExtraHost("foo:bar"), /^Error: invalid IP address in add-host: "bar"$/);
});
