import assert from "node:assert/strict";
import { test } from "node:test";
import { BuildArgs, runCommandForHistory } from "./build-args.ts";

test("an ARG's default, overridden by --build-arg; one without default takes the meta arg", () => {
  const base = new BuildArgs({ B: "cli", P: null });
  base.addArg("M", "meta");
  base.addMetaArg("M", "meta");
  const stage = base.forStage();
  assert.deepEqual([...stage.allowed()], []);
  stage.addArg("A", "dflt");
  stage.addArg("B", "dflt");
  stage.addArg("M", undefined);
  stage.addArg("P", undefined);
  assert.deepEqual(Object.fromEntries(stage.allowed()), { A: "dflt", B: "cli", M: "meta" });
});

test("the proxy variables are usable undeclared, left out of history unless declared", () => {
  const args = new BuildArgs({ HTTP_PROXY: "http://p:3128", V: "1" }).forStage();
  args.addArg("V", undefined);
  const env = args.filterAllowed(["PATH=/bin"]);
  assert.deepEqual(env.sort(), ["HTTP_PROXY=http://p:3128", "V=1"]);
  assert.deepEqual(runCommandForHistory(args, env, ["/bin/sh", "-c", "x"]), [
    "|1",
    "V=1",
    "/bin/sh",
    "-c",
    "x",
  ]);
  args.addArg("HTTP_PROXY", undefined);
  assert.deepEqual(runCommandForHistory(args, env, ["x"]), ["|2", "HTTP_PROXY=http://p:3128", "V=1", "x"]);
});

test("the environment wins over an arg of the same name", () => {
  const args = new BuildArgs({}).forStage();
  args.addArg("X", "arg");
  assert.deepEqual(args.filterAllowed(["X=env"]), []);
  assert.deepEqual(runCommandForHistory(args, [], ["x"]), ["x"]);
});

test("unused lists --build-arg names no ARG declared, sorted, builtins and SOURCE_DATE_EPOCH left out", () => {
  const base = new BuildArgs({ Z: "1", A: "1", USED: "1", HTTP_PROXY: "x", SOURCE_DATE_EPOCH: "0" });
  base.forStage().addArg("USED", undefined);
  assert.deepEqual(base.unused(), ["A", "Z"]);
});
