import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const SRC = resolve(import.meta.dirname, "../src");

/** Which top-level areas each area may import (STYLE.md: imports run one way). */
const ALLOWED: Record<string, string[]> = {
  cli: ["cli", "client", "lib"],
  client: ["client", "lib"],
  daemon: ["daemon", "api", "engine", "lib"],
  api: ["api", "engine", "lib"],
  engine: ["engine", "lib"],
  lib: ["lib"],
};

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

test("imports run one way: cli → client → lib and api → engine → lib", () => {
  const bad: string[] = [];
  for (const file of files(SRC)) {
    const from = relative(SRC, file).split("/")[0];
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import\()\s*["'](\.[^"']+)["']/g)) {
      const targetPath = relative(SRC, resolve(dirname(file), m[1]));
      if (targetPath.startsWith("..")) continue; // package.json and the like
      const target = targetPath.split("/")[0];
      if (!ALLOWED[from]?.includes(target)) bad.push(`${relative(SRC, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("an engine domain imports another domain only through its index.ts", () => {
  const bad: string[] = [];
  for (const file of files(join(SRC, "engine"))) {
    if (file.endsWith(".test.ts")) continue;
    const domain = relative(join(SRC, "engine"), file).split("/")[0];
    for (const m of readFileSync(file, "utf8").matchAll(/from\s*["'](\.[^"']+)["']/g)) {
      const target = relative(join(SRC, "engine"), resolve(dirname(file), m[1]));
      const [targetDomain, ...rest] = target.split("/");
      // files at the engine's root (engine.ts, host-tools.ts) wire the domains together
      if (target.startsWith("..") || targetDomain === domain || rest.length === 0) continue;
      if (rest.join("/") !== "index.ts") bad.push(`${relative(SRC, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(bad, []);
});
