import assert from "node:assert/strict";
import { test } from "node:test";
import {
  familiarString,
  parseAnyReference,
  parseNormalizedNamed,
  repositoryName,
  withDefaultTag,
} from "./reference.ts";

test("parseNormalizedNamed puts official images under docker.io/library", () => {
  const ref = parseNormalizedNamed("busybox");
  assert.deepEqual(ref, { domain: "docker.io", path: "library/busybox", tag: undefined, digest: undefined });
  assert.equal(repositoryName(withDefaultTag(ref)), "docker.io/library/busybox");
  assert.equal(familiarString(withDefaultTag(ref)), "busybox:latest");
});

test("parseNormalizedNamed keeps registries with a port apart from tags", () => {
  const ref = parseNormalizedNamed("localhost:5000/app:v1");
  assert.equal(ref.domain, "localhost:5000");
  assert.equal(ref.path, "app");
  assert.equal(ref.tag, "v1");
  assert.equal(familiarString(ref), "localhost:5000/app:v1");
  assert.equal(familiarString(parseNormalizedNamed("debian:bookworm")), "debian:bookworm");
  assert.equal(familiarString(parseNormalizedNamed("me/app")), "me/app");
});

test("parseNormalizedNamed rejects bad references with Docker's words", () => {
  assert.throws(() => parseNormalizedNamed("Busybox"), /must be lowercase/);
  assert.throws(() => parseNormalizedNamed("busy box"), /invalid reference format/);
  assert.throws(() => parseNormalizedNamed("a".repeat(64).replace(/a/g, "f")), /64-byte hexadecimal/);
});

test("parseAnyReference sees image ids as ids", () => {
  const hex = "f".repeat(64);
  assert.deepEqual(parseAnyReference(hex), { id: `sha256:${hex}` });
  assert.deepEqual(parseAnyReference(`sha256:${hex}`), { id: `sha256:${hex}` });
  assert.equal("id" in parseAnyReference("busybox"), false);
});
