import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { goTimeString } from "./go-time.ts";

describe("goTimeString", () => {
  it("prints Go's time.String for CreatedAt", () => {
    assert.equal(goTimeString(Date.UTC(2024, 0, 2, 15, 4, 5), "UTC"), "2024-01-02 15:04:05 +0000 UTC");
    assert.equal(goTimeString(Date.UTC(2024, 0, 2, 15, 4, 5, 500), "UTC"), "2024-01-02 15:04:05.5 +0000 UTC");
    assert.equal(
      goTimeString(Date.UTC(2024, 6, 2, 15, 4, 5), "America/New_York"),
      "2024-07-02 11:04:05 -0400 EDT",
    );
    assert.equal(
      goTimeString(Date.UTC(2024, 0, 2, 15, 4, 5), "Europe/Berlin"),
      "2024-01-02 16:04:05 +0100 CET",
    );
    // a cached formatter per zone: the second call in another zone is not the first's
    assert.equal(goTimeString(Date.UTC(2024, 0, 2, 15, 4, 5), "UTC"), "2024-01-02 15:04:05 +0000 UTC");
  });
});
