import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// Docker's default seccomp profile on every container that is not privileged, in its first
// process and in `exec`s alike; `--security-opt seccomp=` chooses another profile or none.
describe("seccomp: Docker's default profile, a user's profile, or none", () => {
  let d: TestDaemon;
  let noMkdir: string;
  const status = "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status | tr -d '\\t '";
  before(async () => {
    d = await startDaemon();
    noMkdir = join(d.dir, "no-mkdir.json");
    writeFileSync(
      noMkdir,
      JSON.stringify({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }],
      }),
    );
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[]) => d[cli](["run", "--rm", "--network", "none", ...args]);

    test(`${cli}: the default profile filters; unconfined and privileged do not`, async () => {
      assert.equal((await run(["busybox", "sh", "-c", status])).stdout, "NoNewPrivs:0\nSeccomp:2\n");
      const unshare = await run(["busybox", "unshare", "-n", "true"]);
      assert.equal(unshare.code, 1);
      assert.match(unshare.stderr, /Operation not permitted/);
      // what a capability guards opens with it
      assert.equal((await run(["--cap-add", "SYS_ADMIN", "busybox", "unshare", "-n", "true"])).code, 0);
      const unconfined = await run(["--security-opt", "seccomp=unconfined", "busybox", "sh", "-c", status]);
      assert.equal(unconfined.stdout, "NoNewPrivs:0\nSeccomp:0\n");
      assert.equal(
        (await run(["--privileged", "busybox", "sh", "-c", status])).stdout,
        "NoNewPrivs:0\nSeccomp:0\n",
      );
      assert.equal(
        (await run(["--security-opt", "seccomp=builtin", "busybox", "sh", "-c", status])).stdout,
        "NoNewPrivs:0\nSeccomp:2\n",
      );
    });

    test(`${cli}: a profile file applies to the container and to its execs`, async () => {
      const first = await run(["--security-opt", `seccomp=${noMkdir}`, "busybox", "mkdir", "/made"]);
      assert.equal(first.code, 1);
      assert.match(first.stderr, /Permission denied/);
      for (const nnp of [false, true]) {
        const name = `sc-${cli}-${nnp}`;
        const opts = [
          "--security-opt",
          `seccomp=${noMkdir}`,
          ...(nnp ? ["--security-opt", "no-new-privileges"] : []),
        ];
        const started = await d[cli]([
          "run",
          "-d",
          "--name",
          name,
          "--network",
          "none",
          ...opts,
          "busybox",
          "sleep",
          "300",
        ]);
        assert.equal(started.code, 0, started.stderr);
        try {
          const mkdir = await d[cli](["exec", name, "mkdir", "/made"]);
          assert.equal(mkdir.code, 1);
          assert.match(mkdir.stderr, /Permission denied/);
          const own = await d[cli](["exec", name, "sh", "-c", status]);
          assert.equal(own.stdout, `NoNewPrivs:${nnp ? 1 : 0}\nSeccomp:2\n`);
          // as a user too: the filter goes in before the capabilities are dropped
          assert.match(
            (await d[cli](["exec", "-u", "nobody", name, "mkdir", "/tmp/x"])).stderr,
            /Permission denied/,
          );
          assert.equal((await d[cli](["exec", "-u", "nobody", name, "touch", "/tmp/x"])).code, 0);
        } finally {
          await d.docker(["rm", "-f", name]);
        }
      }
    });
  }

  test("an exec in a default container is filtered as its first process", async () => {
    const started = await d.docker([
      "run",
      "-d",
      "--name",
      "sc-exec",
      "--network",
      "none",
      "busybox",
      "sleep",
      "300",
    ]);
    assert.equal(started.code, 0, started.stderr);
    try {
      assert.equal(
        (await d.docker(["exec", "sc-exec", "sh", "-c", status])).stdout,
        "NoNewPrivs:0\nSeccomp:2\n",
      );
      const unshare = await d.docker(["exec", "sc-exec", "unshare", "-n", "true"]);
      assert.equal(unshare.code, 1);
      assert.match(unshare.stderr, /Operation not permitted/);
      // the same answers as in the first process, which runc filtered: allowed personalities and
      // calls, namespaces and mounts refused
      const battery = [
        "linux32 uname -m",
        "chroot / true",
        "ionice -c 3 true",
        "taskset 1 true",
        "unshare -u true",
        "mount -t tmpfs t /mnt",
      ]
        .map((c) => `${c} >/dev/null 2>&1; echo "${c}: $?"`)
        .join("; ");
      const inRun = await d.docker(["run", "--rm", "--network", "none", "busybox", "sh", "-c", battery]);
      const inExec = await d.docker(["exec", "sc-exec", "sh", "-c", battery]);
      assert.equal(inExec.stdout, inRun.stdout);
      assert.match(inExec.stdout, /linux32 uname -m: 0\nchroot \/ true: 0\n.*unshare -u true: 1\n/s);
      // a privileged exec keeps the container's filter, as with runc exec
      assert.equal(
        (await d.docker(["exec", "--privileged", "sc-exec", "sh", "-c", status])).stdout,
        "NoNewPrivs:0\nSeccomp:2\n",
      );
    } finally {
      await d.docker(["rm", "-f", "sc-exec"]);
    }
  });

  test("a malformed profile is a 400 in moby's words and creates nothing", async () => {
    const before = (await d.docker(["ps", "-aq"])).stdout;
    for (const [profile, message] of [
      ["{bad", /Decoding seccomp profile failed: /],
      ["[]", /Decoding seccomp profile failed: the profile is not a JSON object/],
      [
        '{"architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}',
        /both 'architectures' and 'archMap'/,
      ],
    ] as const) {
      const r = await d.api("POST", "/containers/create", {
        Image: "busybox",
        HostConfig: { SecurityOpt: [`seccomp=${profile}`] },
      });
      assert.equal(r.status, 400, r.body);
      assert.match((r.json() as { message: string }).message, message);
    }
    assert.equal((await d.docker(["ps", "-aq"])).stdout, before);
  });

  test("info names the builtin profile, as Docker's", async () => {
    const info = (await d.api("GET", "/info")).json() as { SecurityOptions: string[] };
    assert.deepEqual(info.SecurityOptions, ["name=seccomp,profile=builtin"]);
    assert.match(
      (await d.docker(["info"])).stdout,
      / Security Options:\n {2}seccomp\n {3}Profile: builtin\n/,
    );
  });

  for (const setting of ["unconfined", "file"] as const) {
    test(`kapseld --seccomp-profile ${setting}: the default for containers that name none`, async () => {
      const profile = setting === "file" ? noMkdir : setting;
      await using other = await startDaemon({ args: ["--seccomp-profile", profile] });
      const info = (await other.api("GET", "/info")).json() as {
        SecurityOptions: string[];
        Warnings: string[];
      };
      assert.deepEqual(info.SecurityOptions, [`name=seccomp,profile=${profile}`]);
      assert.ok(info.Warnings.includes("WARNING: daemon is not using the default seccomp profile"));
      const run = (args: string[]) => other.docker(["run", "--rm", "--network", "none", ...args]);
      const own = await run(["busybox", "sh", "-c", `${status}; mkdir /made`]);
      assert.equal(own.stdout, `NoNewPrivs:0\nSeccomp:${setting === "file" ? 2 : 0}\n`);
      assert.equal(own.code, setting === "file" ? 1 : 0);
      // a container's own choice wins; a privileged one does without the daemon's profile
      assert.equal(
        (await run(["--security-opt", "seccomp=builtin", "busybox", "sh", "-c", status])).stdout,
        "NoNewPrivs:0\nSeccomp:2\n",
      );
      assert.equal((await run(["--privileged", "busybox", "mkdir", "/made"])).code, 0);
    });
  }

  test("kapseld refuses to start with a profile file it cannot read", async () => {
    await assert.rejects(
      startDaemon({ busybox: false, args: ["--seccomp-profile", "/nonexistent/profile.json"] }),
      /opening seccomp profile \(\/nonexistent\/profile.json\) failed/,
    );
  });
});
