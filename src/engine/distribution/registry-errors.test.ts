import assert from "node:assert/strict";
import { test } from "node:test";
import { pullNotFound, registryError } from "./registry-errors.ts";

test("registryError words a registry's errcode as docker/distribution does", () => {
  const e = registryError(
    404,
    "Not Found",
    '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"2"}}]}',
  );
  assert.equal(e.message, "manifest unknown: manifest unknown");
  assert.equal(e.kind, "not_found");
  assert.equal(registryError(401, "Unauthorized", "").message, "unauthorized: authentication required");
  assert.equal(registryError(401, "Unauthorized", "").kind, "unauthorized");
  assert.equal(
    registryError(401, "", "", { error: "insufficient_scope" }).message,
    "denied: requested access to the resource is denied",
  );
  assert.equal(
    registryError(500, "Internal Server Error", "oops").message,
    "received unexpected HTTP status: 500 Internal Server Error",
  );
  assert.match(registryError(404, "Not Found", "<html>").message, /^error parsing HTTP 404 response body: /);
});

test("pullNotFound gives moby's messages for unknown tags, repositories and denied pulls", () => {
  const tag = registryError(404, "", '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  assert.equal(
    pullNotFound(tag, "127.0.0.1:5000/x", "127.0.0.1:5000/x:2").message,
    "manifest for 127.0.0.1:5000/x:2 not found: manifest unknown: manifest unknown",
  );
  const name = registryError(
    404,
    "",
    '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}',
  );
  assert.equal(
    pullNotFound(name, "127.0.0.1:5000/x", "127.0.0.1:5000/x:1").message,
    "repository 127.0.0.1:5000/x not found: name unknown: repository name not known to registry",
  );
  const denied = registryError(
    403,
    "",
    '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}',
  );
  assert.equal(
    pullNotFound(denied, "nope", "nope:latest").message,
    "pull access denied for nope, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
  );
});
