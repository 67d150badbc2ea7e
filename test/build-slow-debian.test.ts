import assert from "node:assert/strict";
import { test } from "node:test";
import { contextDir } from "./build-support.ts";
import { startDaemon } from "./harness/daemon.ts";

// The workshop's real Dockerfile: Debian with Apache from Debian's mirror, which the RUN
// container reaches through the host's NAT. Slow (debootstrap, then apt-get: minutes, and
// network): only with KAPSEL_SLOW_TESTS=1.
const slow = process.env.KAPSEL_SLOW_TESTS === "1";

test("build FROM debian:bookworm with apt-get install apache2, with both CLIs", {
  skip: !slow && "set KAPSEL_SLOW_TESTS=1",
}, async () => {
  await using d = await startDaemon({ busybox: false });
  const made = await d.kapsel(["image", "bootstrap", "debian:bookworm"], { timeout: 900_000 });
  assert.equal(made.code, 0, made.stderr);
  using ctx = contextDir({
    Dockerfile: `FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends apache2 && rm -rf /var/lib/apt/lists/*
COPY index.html /var/www/html/index.html
EXPOSE 80
CMD ["apache2ctl", "-D", "FOREGROUND"]
`,
    "index.html": "<h1>workshop</h1>\n",
  });
  const r = await d.docker(["build", "-t", "workshop-apache", ctx.dir], { timeout: 900_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /Setting up apache2/);
  const again = await d.kapsel(["build", "-t", "workshop-apache", ctx.dir], { timeout: 120_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /Running in/);
  const v = await d.docker(["run", "--rm", "workshop-apache", "apache2", "-v"]);
  assert.match(v.stdout, /Server version: Apache\/2\.4/);
  const page = await d.docker(["run", "--rm", "workshop-apache", "cat", "/var/www/html/index.html"]);
  assert.equal(page.stdout, "<h1>workshop</h1>\n");
});
