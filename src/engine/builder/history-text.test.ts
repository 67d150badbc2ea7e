import assert from "node:assert/strict";
import { test } from "node:test";
import { goDuration, goHealth, goList, goQuoteList, nopComment, nopCommentString } from "./history-text.ts";

test("the #(nop) forms: two spaces for metadata steps, one for COPY/ADD/WORKDIR", () => {
  assert.equal(nopComment(["/bin/sh", "-c"], "ENV a=b"), "/bin/sh -c #(nop)  ENV a=b");
  assert.equal(nopCommentString(["/bin/sh", "-c"], "WORKDIR /app"), "/bin/sh -c #(nop) WORKDIR /app");
});

test("Go's %q and %v of string lists", () => {
  assert.equal(goQuoteList(["httpd", "-f", 'a "b"']), '["httpd" "-f" "a \\"b\\""]');
  assert.equal(goList(["/data", "/x"]), "[/data /x]");
});

test("Go's Duration.String and %+v of a HealthConfig", () => {
  assert.equal(goDuration(0), "0s");
  assert.equal(goDuration(500e6), "500ms");
  assert.equal(goDuration(1.5e9), "1.5s");
  assert.equal(goDuration(90e9), "1m30s");
  assert.equal(goDuration(7200e9), "2h0m0s");
  assert.equal(
    goHealth({ Test: ["CMD-SHELL", "true"], Interval: 5e9, Retries: 3 }),
    "&{Test:[CMD-SHELL true] Interval:5s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}",
  );
});
