import assert from "node:assert/strict";
import { test } from "node:test";
import {
  canonicalString,
  familiarName,
  familiarString,
  parseAnyReference,
  parseNormalizedNamed,
  withDefaultTag,
} from "./reference.ts";

const norm = (s: string) => canonicalString(withDefaultTag(parseNormalizedNamed(s)));
const familiar = (s: string) => familiarString(withDefaultTag(parseNormalizedNamed(s)));

test("parseNormalizedNamed puts familiar names on Docker Hub's library", () => {
  assert.equal(norm("busybox"), "docker.io/library/busybox:latest");
  assert.equal(norm("busybox:1.36"), "docker.io/library/busybox:1.36");
  assert.equal(norm("docker.io/library/busybox:latest"), "docker.io/library/busybox:latest");
  assert.equal(norm("docker.io/busybox"), "docker.io/library/busybox:latest");
  assert.equal(norm("index.docker.io/library/busybox"), "docker.io/library/busybox:latest");
  assert.equal(norm("user/app:v1"), "docker.io/user/app:v1");
});

test("parseNormalizedNamed keeps other registries as they are", () => {
  assert.equal(norm("localhost:5000/x/y:tag"), "localhost:5000/x/y:tag");
  assert.equal(norm("localhost/app"), "localhost/app:latest");
  assert.equal(norm("registry.example.com/team/app"), "registry.example.com/team/app:latest");
  assert.equal(norm("[::1]:5000/app:1"), "[::1]:5000/app:1");
  assert.equal(norm("Registry/app"), "Registry/app:latest");
});

test("a digest reference keeps its digest and gets no default tag", () => {
  const d = `sha256:${"a".repeat(64)}`;
  const ref = parseNormalizedNamed(`busybox@${d}`);
  assert.equal(ref.digest, d);
  assert.equal(familiarString(withDefaultTag(ref)), `busybox@${d}`);
  assert.equal(parseNormalizedNamed(`busybox:1@${d}`).tag, "1");
});

test("familiar forms drop docker.io and library/", () => {
  assert.equal(familiar("docker.io/library/busybox"), "busybox:latest");
  assert.equal(familiar("docker.io/user/app:v1"), "user/app:v1");
  assert.equal(familiar("localhost:5000/x/y:tag"), "localhost:5000/x/y:tag");
  assert.equal(familiarName(parseNormalizedNamed("docker.io/library/a/b")), "library/a/b");
});

test("invalid names fail with Docker's wording", () => {
  assert.throws(() => parseNormalizedNamed("Busybox"), {
    message: "invalid reference format: repository name (library/Busybox) must be lowercase",
  });
  assert.throws(() => parseNormalizedNamed("busy box"), { message: "invalid reference format" });
  assert.throws(() => parseNormalizedNamed("busybox:"), { message: "invalid reference format" });
  assert.throws(() => parseNormalizedNamed("-busybox"), { message: "invalid reference format" });
  assert.throws(() => parseNormalizedNamed("busybox:tag!"), { message: "invalid reference format" });
  assert.throws(() => parseNormalizedNamed(""), { message: "invalid reference format" });
  assert.throws(() => parseNormalizedNamed("a".repeat(64)), /cannot specify 64-byte hexadecimal strings/);
  assert.throws(() => parseNormalizedNamed(`x/${"a".repeat(260)}`), /must not be more than 255 characters/);
  assert.throws(() => parseNormalizedNamed("busybox:latest".replace("latest", "x".repeat(129))), {
    message: "invalid reference format",
  });
});

test("parseAnyReference tells ids from names", () => {
  const hex = "b".repeat(64);
  assert.deepEqual(parseAnyReference(hex), { kind: "id", id: `sha256:${hex}` });
  assert.deepEqual(parseAnyReference(`sha256:${hex}`), { kind: "id", id: `sha256:${hex}` });
  const named = parseAnyReference("abc123");
  assert.equal(named.kind, "named");
});
