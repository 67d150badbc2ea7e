import assert from "node:assert/strict";
import { test } from "node:test";
import { applyChanges, exposedPorts, goDuration, parseChangeLines } from "./change-lines.ts";

test("parseChangeLines splits instructions, joins continued lines and skips comments", () => {
  assert.deepEqual(parseChangeLines(["CMD echo \\\n hi", "# note", "  env A=1  "]), [
    { instruction: "cmd", rest: "echo  hi" },
    { instruction: "env", rest: "A=1" },
  ]);
});

test("CMD and ENTRYPOINT take JSON or shell form; ENTRYPOINT resets an inherited CMD", () => {
  const base = { Cmd: ["sh"] };
  assert.deepEqual(applyChanges(base, ['CMD ["echo", "hi"]']).Cmd, ["echo", "hi"]);
  assert.deepEqual(applyChanges(base, ["CMD echo hi"]).Cmd, ["/bin/sh", "-c", "echo hi"]);
  const ep = applyChanges(base, ['ENTRYPOINT ["/bin/app"]']);
  assert.deepEqual(ep.Entrypoint, ["/bin/app"]);
  assert.equal(ep.Cmd, null);
  const both = applyChanges(base, ['CMD ["x"]', "ENTRYPOINT /bin/app"]);
  assert.deepEqual(both.Cmd, ["x"]);
  assert.deepEqual(both.Entrypoint, ["/bin/sh", "-c", "/bin/app"]);
  assert.deepEqual(base, { Cmd: ["sh"] });
});

test("ENV sets and replaces variables, with quotes and expansion", () => {
  const cfg = applyChanges({ Env: ["PATH=/bin", "A=old"] }, [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a JS one
    'ENV A=new B="two words" C=${PATH}:/x',
    "ENV D legacy value",
  ]);
  assert.deepEqual(cfg.Env, ["PATH=/bin", "A=new", "B=two words", "C=/bin:/x", "D=legacy value"]);
});

test("LABEL, EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL and ONBUILD set their fields", () => {
  const cfg = applyChanges({ WorkingDir: "/app" }, [
    'LABEL a=1 "b c"=2',
    "EXPOSE 80 53/udp 8000-8001",
    "USER nobody:nogroup",
    "WORKDIR sub/../src",
    'VOLUME ["/data", "/logs"]',
    "VOLUME /cache",
    "STOPSIGNAL SIGTERM",
    "ONBUILD RUN echo hi",
  ]);
  assert.deepEqual(cfg.Labels, { a: "1", "b c": "2" });
  assert.deepEqual(Object.keys(cfg.ExposedPorts ?? {}), ["80/tcp", "53/udp", "8000/tcp", "8001/tcp"]);
  assert.equal(cfg.User, "nobody:nogroup");
  assert.equal(cfg.WorkingDir, "/app/src");
  assert.deepEqual(Object.keys(cfg.Volumes ?? {}), ["/data", "/logs", "/cache"]);
  assert.equal(cfg.StopSignal, "SIGTERM");
  assert.deepEqual(cfg.OnBuild, ["RUN echo hi"]);
});

test("HEALTHCHECK reads its flags and command", () => {
  const cfg = applyChanges({}, [
    "HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 CMD curl -f http://x/",
  ]);
  assert.deepEqual(cfg.Healthcheck, {
    Interval: 30e9,
    Timeout: 90e9,
    Retries: 3,
    Test: ["CMD-SHELL", "curl -f http://x/"],
  });
  assert.deepEqual(applyChanges({}, ["HEALTHCHECK NONE"]).Healthcheck, { Test: ["NONE"] });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK CMD ["true"]']).Healthcheck, { Test: ["CMD", "true"] });
});

test("instructions that do not change a config are refused with Docker's message", () => {
  assert.throws(() => applyChanges({}, ["RUN echo hi"]), { message: "run is not a valid change command" });
  assert.throws(() => applyChanges({}, ["FROM busybox"]), { message: "from is not a valid change command" });
  assert.throws(() => applyChanges({}, ["ONBUILD ONBUILD RUN x"]), /Chaining ONBUILD/);
  assert.throws(() => applyChanges({}, ["EXPOSE http"]), /invalid containerPort/);
});

test("exposedPorts and goDuration parse Docker's forms", () => {
  assert.deepEqual(exposedPorts("8080/TCP"), ["8080/tcp"]);
  assert.equal(goDuration("1h2m3.5s"), 3723.5e9);
  assert.equal(goDuration("250ms"), 250e6);
  assert.throws(() => goDuration("10"), /invalid duration/);
});
