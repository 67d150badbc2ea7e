import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

// entry.mjs compiles every module kapseld imports on first use before it starts over, so that
// a fresh install's daemon never loads Node's TypeScript stripper (~20 MB for its whole life)
// later on. A module imported with import() and missing from that list would bring it back.
const SRC = resolve(import.meta.dirname, "..");
/** import()ed, but also imported statically by what kapseld loads at start-up */
const LOADED_AT_START = ["api/request.ts"];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "cli" || e.name === "client" ? [] : sources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

test("every module kapseld imports on first use is compiled by entry.mjs's warm-up", () => {
  const entry = readFileSync(join(SRC, "daemon/entry.mjs"), "utf8");
  const warmed = new Set(
    [...entry.matchAll(/"(\.\.\/[^"]+\.ts)"/g)].map((m) => relative(SRC, resolve(SRC, "daemon", m[1]!))),
  );
  const lazy = new Set<string>();
  for (const file of sources(SRC)) {
    // a runtime import(), not a type position such as `typeof import("./x.ts")` or `import("./x.ts").T`
    for (const m of readFileSync(file, "utf8").matchAll(
      /(?<!typeof |type \w+ = )\bimport\("(\.[^"]+\.ts)"\)(?!\.)/g,
    ))
      lazy.add(relative(SRC, resolve(dirname(file), m[1]!)));
  }
  assert.ok(lazy.size > 5, `found ${[...lazy].join(", ")}`);
  const missing = [...lazy].filter((m) => !warmed.has(m) && !LOADED_AT_START.includes(m));
  assert.deepEqual(missing, []);
});
