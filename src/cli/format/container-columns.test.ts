import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  containerCommand,
  containerImage,
  containerNames,
  containerRow,
  containerSize,
  containerStatus,
  displayablePorts,
  ellipsis,
  familiarName,
  type PortSummary,
  platformValue,
  truncateId,
} from "./container-columns.ts";
import { formatGoValue } from "./go-print.ts";

describe("displayablePorts", () => {
  // docker/cli v28.2 cli/command/formatter/container_test.go TestDisplayablePorts
  const DOCKER_CASES: [PortSummary[], string][] = [
    [[{ PrivatePort: 9988, Type: "tcp" }], "9988/tcp"],
    [[{ PrivatePort: 9988, Type: "udp" }], "9988/udp"],
    [[{ IP: "0.0.0.0", PrivatePort: 9988, Type: "tcp" }], "0.0.0.0:0->9988/tcp"],
    [[{ IP: "::", PrivatePort: 9988, Type: "tcp" }], "[::]:0->9988/tcp"],
    [[{ PrivatePort: 9988, PublicPort: 8899, Type: "tcp" }], "9988/tcp"],
    [[{ IP: "4.3.2.1", PrivatePort: 9988, PublicPort: 8899, Type: "tcp" }], "4.3.2.1:8899->9988/tcp"],
    [[{ IP: "::1", PrivatePort: 9988, PublicPort: 8899, Type: "tcp" }], "[::1]:8899->9988/tcp"],
    [[{ IP: "4.3.2.1", PrivatePort: 9988, PublicPort: 9988, Type: "tcp" }], "4.3.2.1:9988->9988/tcp"],
    [[{ IP: "::1", PrivatePort: 9988, PublicPort: 9988, Type: "tcp" }], "[::1]:9988->9988/tcp"],
    [
      [
        { PrivatePort: 9988, Type: "udp" },
        { PrivatePort: 9988, Type: "udp" },
      ],
      "9988/udp, 9988/udp",
    ],
    [
      [
        { IP: "1.2.3.4", PublicPort: 9998, PrivatePort: 9998, Type: "udp" },
        { IP: "1.2.3.4", PublicPort: 9999, PrivatePort: 9999, Type: "udp" },
      ],
      "1.2.3.4:9998-9999->9998-9999/udp",
    ],
    [
      [
        { IP: "::1", PublicPort: 9998, PrivatePort: 9998, Type: "udp" },
        { IP: "::1", PublicPort: 9999, PrivatePort: 9999, Type: "udp" },
      ],
      "[::1]:9998-9999->9998-9999/udp",
    ],
    [
      [
        { IP: "1.2.3.4", PublicPort: 8887, PrivatePort: 9998, Type: "udp" },
        { IP: "1.2.3.4", PublicPort: 8888, PrivatePort: 9999, Type: "udp" },
      ],
      "1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp",
    ],
    [
      [
        { IP: "::1", PublicPort: 8887, PrivatePort: 9998, Type: "udp" },
        { IP: "::1", PublicPort: 8888, PrivatePort: 9999, Type: "udp" },
      ],
      "[::1]:8887->9998/udp, [::1]:8888->9999/udp",
    ],
    [
      [
        { PrivatePort: 9998, Type: "udp" },
        { PrivatePort: 9999, Type: "udp" },
      ],
      "9998-9999/udp",
    ],
    [
      [
        { IP: "1.2.3.4", PrivatePort: 6677, PublicPort: 7766, Type: "tcp" },
        { PrivatePort: 9988, PublicPort: 8899, Type: "udp" },
      ],
      "9988/udp, 1.2.3.4:7766->6677/tcp",
    ],
    [
      [
        { IP: "1.2.3.4", PrivatePort: 9988, PublicPort: 8899, Type: "udp" },
        { IP: "1.2.3.4", PrivatePort: 9988, PublicPort: 8899, Type: "tcp" },
        { IP: "4.3.2.1", PrivatePort: 2233, PublicPort: 3322, Type: "tcp" },
        { IP: "::1", PrivatePort: 2233, PublicPort: 3322, Type: "tcp" },
      ],
      "4.3.2.1:3322->2233/tcp, [::1]:3322->2233/tcp, 1.2.3.4:8899->9988/tcp, 1.2.3.4:8899->9988/udp",
    ],
    [
      [
        { PrivatePort: 9988, PublicPort: 8899, Type: "udp" },
        { IP: "1.2.3.4", PrivatePort: 6677, PublicPort: 7766, Type: "tcp" },
        { IP: "4.3.2.1", PrivatePort: 2233, PublicPort: 3322, Type: "tcp" },
      ],
      "9988/udp, 4.3.2.1:3322->2233/tcp, 1.2.3.4:7766->6677/tcp",
    ],
    [
      [
        { PrivatePort: 80, Type: "tcp" },
        { PrivatePort: 1024, Type: "tcp" },
        { PrivatePort: 80, Type: "udp" },
        { PrivatePort: 1024, Type: "udp" },
        { IP: "1.1.1.1", PublicPort: 80, PrivatePort: 1024, Type: "tcp" },
        { IP: "1.1.1.1", PublicPort: 80, PrivatePort: 1024, Type: "udp" },
        { IP: "1.1.1.1", PublicPort: 1024, PrivatePort: 80, Type: "tcp" },
        { IP: "1.1.1.1", PublicPort: 1024, PrivatePort: 80, Type: "udp" },
        { IP: "2.1.1.1", PublicPort: 80, PrivatePort: 1024, Type: "tcp" },
        { IP: "2.1.1.1", PublicPort: 80, PrivatePort: 1024, Type: "udp" },
        { IP: "2.1.1.1", PublicPort: 1024, PrivatePort: 80, Type: "tcp" },
        { IP: "2.1.1.1", PublicPort: 1024, PrivatePort: 80, Type: "udp" },
        { PrivatePort: 12345, Type: "sctp" },
      ],
      "80/tcp, 80/udp, 1024/tcp, 1024/udp, 12345/sctp, 1.1.1.1:1024->80/tcp, 1.1.1.1:1024->80/udp, 2.1.1.1:1024->80/tcp, 2.1.1.1:1024->80/udp, 1.1.1.1:80->1024/tcp, 1.1.1.1:80->1024/udp, 2.1.1.1:80->1024/tcp, 2.1.1.1:80->1024/udp",
    ],
  ];
  for (const [ports, expected] of DOCKER_CASES) {
    it(`renders ${JSON.stringify(ports)} as ${JSON.stringify(expected)}`, () => {
      assert.equal(displayablePorts(ports), expected);
    });
  }

  it("shows a -p 8080:80 publication on both address families", () => {
    const ports: PortSummary[] = [
      { IP: "::", PrivatePort: 80, PublicPort: 8080, Type: "tcp" },
      { IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp" },
    ];
    assert.equal(displayablePorts(ports), "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp");
  });

  it("collapses a published range and keeps exposed ports first", () => {
    const ports: PortSummary[] = [
      { PrivatePort: 443, Type: "tcp" },
      ...[8000, 8001, 8002].map((p) => ({ IP: "127.0.0.1", PrivatePort: p, PublicPort: p, Type: "tcp" })),
    ];
    assert.equal(displayablePorts(ports), "443/tcp, 127.0.0.1:8000-8002->8000-8002/tcp");
  });

  it("renders no ports as an empty string", () => {
    assert.equal(displayablePorts([]), "");
  });
});

describe("ellipsis", () => {
  // docker/cli cli/command/formatter/displayutils_test.go
  const cases: [string, number, string][] = [
    ["t🐳ststring", 0, ""],
    ["t🐳ststring", 1, "t"],
    ["t🐳ststring", 2, "t…"],
    ["t🐳ststring", 6, "t🐳st…"],
    ["t🐳ststring", 20, "t🐳ststring"],
    ["你好世界teststring", 0, ""],
    ["你好世界teststring", 1, "你"],
    ["你好世界teststring", 3, "你…"],
    ["你好世界teststring", 6, "你好…"],
    ["你好世界teststring", 20, "你好世界teststring"],
    ["test你好世界", 7, "test你…"],
    ["test🐳🐳🐳", 7, "test🐳…"],
    ["testing", 7, "testing"],
    ["testing", 6, "testi…"],
  ];
  for (const [s, w, expected] of cases) {
    it(`cuts ${JSON.stringify(s)} to ${w} columns as ${JSON.stringify(expected)}`, () => {
      assert.equal(ellipsis(s, w), expected);
    });
  }
});

describe("container columns", () => {
  it("truncates IDs to 12 characters after the digest algorithm", () => {
    assert.equal(truncateId("sha256:0123456789abcdef0123"), "0123456789ab");
    assert.equal(truncateId("0123456789abcdef"), "0123456789ab");
    assert.equal(truncateId("abc"), "abc");
  });

  it("quotes the command and cuts it at 20 columns unless --no-trunc", () => {
    assert.equal(containerCommand("sh -c 'echo hi'", true), `"sh -c 'echo hi'"`);
    assert.equal(containerCommand("sh -c 'while true; do sleep 1; done'", true), `"sh -c 'while true; …"`);
    assert.equal(
      containerCommand("sh -c 'while true; do sleep 1; done'", false),
      `"sh -c 'while true; do sleep 1; done'"`,
    );
    assert.equal(containerCommand('echo "a\tb"', true), `"echo \\"a\\tb\\""`);
  });

  it("strips name slashes and hides legacy link names when truncating", () => {
    assert.equal(containerNames(["/web", "/other/web-link"], true), "web");
    assert.equal(containerNames(["/other/link", "/web"], true), "web");
    assert.equal(containerNames(["/web", "/other/web-link"], false), "web,other/web-link");
  });

  it("shows images by familiar name without digest when truncating", () => {
    assert.equal(containerImage("docker.io/library/busybox:latest", "sha256:1234", true), "busybox:latest");
    assert.equal(containerImage("busybox@sha256:abcd", "sha256:1234", true), "busybox");
    assert.equal(containerImage("sha256:0123456789abcdef", "sha256:0123456789abcdef", true), "0123456789ab");
    assert.equal(containerImage("busybox@sha256:abcd", "sha256:1234", false), "busybox@sha256:abcd");
    assert.equal(containerImage("", "sha256:1234", true), "<no image>");
    assert.equal(familiarName("registry:5000/library/x"), "registry:5000/library/x");
    assert.equal(familiarName("docker.io/foo/bar:1"), "foo/bar:1");
  });

  it("sizes a container as docker ps -s does", () => {
    assert.equal(containerSize(0, 0), "0B");
    assert.equal(containerSize(2, 21_500_000), "2B (virtual 21.5MB)");
  });

  it("prints the platform as os/arch and marshals it as the OCI platform", () => {
    const p = platformValue({ architecture: "amd64", os: "linux" });
    assert.equal(formatGoValue(p), "linux/amd64");
    assert.equal(JSON.stringify(p), '{"architecture":"amd64","os":"linux"}');
    assert.equal(formatGoValue(platformValue({ architecture: "", os: "" })), "unknown");
    assert.equal(platformValue(undefined), null);
  });

  it("builds a row whose fields are docker ps's columns", () => {
    const row = containerRow(
      {
        Id: "0123456789abcdef0123",
        Names: ["/web"],
        Image: "busybox",
        ImageID: "sha256:ffff",
        Command: "sleep 1000",
        Created: 1_700_000_000,
        Ports: [{ PrivatePort: 80, Type: "tcp" }],
        State: "running",
        Status: "Up 5 seconds",
        Labels: { b: "2", a: "1" },
        Mounts: [{ Name: "0123456789abcdef0123456789", Driver: "local" }, { Source: "/host" }],
        NetworkSettings: { Networks: { bridge: {}, app: {} } },
      },
      { trunc: true, now: 1_700_000_005_000, timeZone: "UTC" },
    );
    assert.equal(row.ID, "0123456789ab");
    assert.equal(row.RunningFor, "5 seconds ago");
    assert.equal(row.Command, '"sleep 1000"');
    assert.equal(row.Ports, "80/tcp");
    assert.equal(row.Labels, "a=1,b=2");
    assert.equal(row.Mounts, "0123456789abcd…,/host");
    assert.equal(row.LocalVolumes, "1");
    assert.equal(row.Networks, "app,bridge");
    assert.equal((row.Label as (k: string) => string)("a"), "1");
    assert.equal((row.Label as (k: string) => string)("nope"), "");
  });
});

describe("containerStatus", () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  const ago = (ms: number) => now - ms;
  it("says how long a running container has been up", () => {
    assert.equal(containerStatus({ running: true, startedAt: ago(3000) }, now), "Up 3 seconds");
    assert.equal(containerStatus({ running: true, startedAt: ago(300) }, now), "Up Less than a second");
  });
  it("marks paused, restarting and health states", () => {
    assert.equal(
      containerStatus({ running: true, paused: true, startedAt: ago(3000) }, now),
      "Up 3 seconds (Paused)",
    );
    assert.equal(
      containerStatus({ running: true, restarting: true, exitCode: 1, finishedAt: ago(2000) }, now),
      "Restarting (1) 2 seconds ago",
    );
    assert.equal(
      containerStatus({ running: true, startedAt: ago(120_000), health: "healthy" }, now),
      "Up 2 minutes (healthy)",
    );
    assert.equal(
      containerStatus({ running: true, startedAt: ago(1000), health: "starting" }, now),
      "Up 1 second (health: starting)",
    );
  });
  it("describes stopped containers", () => {
    assert.equal(containerStatus({ running: false }, now), "Created");
    assert.equal(
      containerStatus(
        { running: false, startedAt: ago(200_000), finishedAt: ago(120_000), exitCode: 0 },
        now,
      ),
      "Exited (0) 2 minutes ago",
    );
    assert.equal(
      containerStatus({ running: false, startedAt: ago(5000), finishedAt: ago(3000), exitCode: 137 }, now),
      "Exited (137) 3 seconds ago",
    );
    assert.equal(containerStatus({ running: false, dead: true, startedAt: ago(5000) }, now), "Dead");
    assert.equal(containerStatus({ running: false, removalInProgress: true }, now), "Removal In Progress");
  });
});
