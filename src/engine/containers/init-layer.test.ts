import assert from "node:assert/strict";
import { test } from "node:test";
import { withoutInitLayer } from "./init-layer.ts";

test("withoutInitLayer hides the engine's mount points and the directory changed only by them", () => {
  const changes = [
    { Path: "/.dockerenv", Kind: 1 as const },
    { Path: "/etc", Kind: 0 as const },
    { Path: "/etc/hostname", Kind: 1 as const },
    { Path: "/etc/hosts", Kind: 1 as const },
    { Path: "/etc/resolv.conf", Kind: 1 as const },
  ];
  assert.deepEqual(withoutInitLayer(changes), []);
});

test("withoutInitLayer keeps a directory with real changes and everything else", () => {
  const changes = [
    { Path: "/etc", Kind: 0 as const },
    { Path: "/etc/hostname", Kind: 1 as const },
    { Path: "/etc/passwd", Kind: 0 as const },
    { Path: "/mnt", Kind: 1 as const },
    { Path: "/mnt/x", Kind: 1 as const },
    { Path: "/tmp", Kind: 0 as const },
    { Path: "/tmp/gone", Kind: 2 as const },
  ];
  assert.deepEqual(
    withoutInitLayer(changes).map((c) => `${c.Kind} ${c.Path}`),
    ["0 /etc", "0 /etc/passwd", "1 /mnt", "1 /mnt/x", "0 /tmp", "2 /tmp/gone"],
  );
});
