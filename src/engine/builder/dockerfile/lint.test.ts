// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variables, not JS ones
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkErrors,
  lint,
  lintFailureMessage,
  lintWarningText,
  parseCheckOptions,
  parseDockerfile,
} from "./index.ts";

/** Warnings as "Rule@line: message"; a final `USER app` keeps NoUserRoot out unless asked for. */
function warnings(text: string, rules?: string[]): string[] {
  return lint(parseDockerfile(text))
    .filter((w) => !rules || rules.includes(w.rule))
    .map((w) => `${w.rule}@${w.line}: ${w.message}`);
}

test("BuildKit's rules: casing, MAINTAINER, JSON args, legacy ENV, multiple CMDs", () => {
  const text = [
    "FROM alpine:3.20 as Build",
    "MAINTAINER me",
    "ENV A b",
    "cmd echo one",
    "CMD echo two",
    'ENTRYPOINT ["/bin/app"]',
    "USER app",
  ].join("\n");
  assert.deepEqual(warnings(text), [
    "StageNameCasing@1: Stage name 'Build' should be lowercase",
    "FromAsCasing@1: 'as' and 'FROM' keywords' casing do not match",
    "MaintainerDeprecated@2: Maintainer instruction is deprecated in favor of using label",
    'LegacyKeyValueFormat@3: "ENV key=value" should be used instead of legacy "ENV key value" format',
    "ConsistentInstructionCasing@4: Command 'cmd' should match the case of the command majority (uppercase)",
    "JSONArgsRecommended@4: JSON arguments recommended for cmd to prevent unintended behavior related to OS signals",
    "MultipleInstructionsDisallowed@4: Multiple CMD instructions should not be used in the same stage because only the last one will be used",
    "JSONArgsRecommended@5: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals",
  ]);
  const w = lint(parseDockerfile("FROM alpine:3\nMAINTAINER x\nUSER a"))[0];
  assert.equal(w.url, "https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/");
  assert.equal(
    lintWarningText(w),
    "MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)",
  );
});

test("JSONArgsRecommended is quiet when a SHELL is set, here or in the parent stage", () => {
  assert.deepEqual(
    warnings('FROM alpine:3 AS a\nSHELL ["/bin/bash", "-c"]\nCMD echo hi\nFROM a\nCMD echo\nUSER x'),
    [],
  );
});

test("BuildKit's rules on FROM: undeclared args, platform flags, reserved names", () => {
  assert.deepEqual(
    warnings(
      "ARG VERSION=3.20\nFROM alpine:${VERSIN} AS scratch\nFROM --platform=$TARGETPLATFORM alpine:$VERSION\nFROM --platform=linux/arm64 alpine:3 AS base\nFROM --platform=linux/arm64 alpine:3 AS arm64-base\nUSER a",
    ),
    [
      "UndefinedArgInFrom@2: FROM argument 'VERSIN' is not declared (did you mean VERSION?)",
      "InvalidDefaultArgInFrom@2: Default value for ARG alpine:${VERSIN} results in empty or invalid base image name",
      'ReservedStageName@2: Stage name should not use the same name as reserved stage "scratch"',
      "RedundantTargetPlatform@3: Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
      'FromPlatformFlagConstDisallowed@4: FROM --platform flag should not use constant value "linux/arm64"',
    ],
  );
  assert.deepEqual(warnings("ARG IMG\nFROM $IMG\nUSER a"), [
    "InvalidDefaultArgInFrom@2: Default value for ARG $IMG results in empty or invalid base image name",
  ]);
});

test("BuildKit's rules: secrets in ARG/ENV, relative WORKDIR, EXPOSE format, empty continuation", () => {
  assert.deepEqual(
    warnings(
      "ARG GITHUB_TOKEN\nFROM alpine:3\nENV DB_PASSWORD=x PUBLIC_KEY=y\nWORKDIR app\nWORKDIR rel\nEXPOSE 80/TCP 127.0.0.1:8080:80 ${P}\nRUN a \\\n\n  b\nUSER a",
    ),
    [
      'SecretsUsedInArgOrEnv@1: Do not use ARG or ENV instructions for sensitive data (ARG "GITHUB_TOKEN")',
      'SecretsUsedInArgOrEnv@3: Do not use ARG or ENV instructions for sensitive data (ENV "DB_PASSWORD")',
      'WorkdirRelativePath@4: Relative workdir "app" can have unexpected results if the base image changes',
      "ExposeInvalidFormat@6: EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:8080:80'",
      "ExposeProtoCasing@6: Defined protocol '80/TCP' in EXPOSE instruction should be lowercase",
      "NoEmptyContinuation@9: Empty continuation line",
    ],
  );
});

test("FromLatestTag: a base image without a tag or with :latest", () => {
  assert.deepEqual(
    warnings(
      "ARG TAG=latest\nFROM ubuntu AS a\nFROM ubuntu:$TAG AS b\nFROM registry:5000/team/app@sha256:" +
        "a".repeat(64) +
        "\nFROM a\nFROM scratch\nFROM localhost:5000/x:1.0\nUSER a",
      ["FromLatestTag"],
    ),
    [
      "FromLatestTag@2: Base image 'ubuntu' has no tag, so it means ':latest'; pin a version for repeatable builds",
      "FromLatestTag@3: Base image 'ubuntu:latest' uses ':latest'; pin a version for repeatable builds",
    ],
  );
});

test("AptUpdateAlone and AptListsNotCleaned", () => {
  assert.deepEqual(
    warnings(
      [
        "FROM debian:12",
        "RUN apt-get update",
        "RUN apt-get install -y curl",
        "RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*",
        "RUN apt-get -q update && apt-get upgrade -y && apt-get clean",
        "RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y x",
        "RUN <<EOF\napt-get update\napt-get install -y vim\nrm -rf /var/cache/apt/* /var/lib/apt/lists/*\nEOF",
        "USER a",
      ].join("\n"),
      ["AptUpdateAlone", "AptListsNotCleaned"],
    ),
    [
      "AptUpdateAlone@2: 'apt-get update' in a RUN of its own: the cached layer keeps old package lists for later installs; run it in the same RUN as 'apt-get install'",
      "AptListsNotCleaned@3: 'apt-get install' without 'rm -rf /var/lib/apt/lists/*' in the same RUN leaves the package lists in the layer",
    ],
  );
});

test("AddWhereCopyFits: local files, not URLs, archives or ADD-only flags", () => {
  assert.deepEqual(
    warnings(
      "FROM alpine:3\nADD app.py /app/\nADD https://example.com/x.txt /\nADD rootfs.tar.gz /\nADD git@github.com:a/b.git /src\nADD --checksum=sha256:0 a /\nADD $SRC /\nUSER a",
      ["AddWhereCopyFits"],
    ),
    [
      "AddWhereCopyFits@2: ADD of local files: use COPY, which only copies (ADD also fetches URLs and unpacks archives)",
    ],
  );
});

test("NoUserRoot: the final stage's user, inherited from its parent stage", () => {
  const rule = ["NoUserRoot"];
  assert.deepEqual(
    warnings("FROM alpine:3 AS build\nUSER app\nFROM alpine:3\nCOPY --from=build /a /a", rule),
    ["NoUserRoot@3: The final stage sets no USER: containers run as root unless the base image sets a user"],
  );
  assert.deepEqual(warnings("FROM alpine:3 AS base\nUSER app\nFROM base\nRUN x", rule), []);
  assert.deepEqual(warnings("FROM alpine:3\nUSER app\nRUN x\nUSER root:root", rule), [
    "NoUserRoot@4: The final stage's last USER is root: containers run as root",
  ]);
  assert.deepEqual(warnings("FROM alpine:3\nUSER 0", rule), [
    "NoUserRoot@2: The final stage's last USER is root: containers run as root",
  ]);
});

test("# check= skips rules, all rules, and asks for errors", () => {
  const text = "FROM ubuntu\nMAINTAINER me\nCMD x";
  assert.deepEqual(
    lint(parseDockerfile(`# check=skip=JSONArgsRecommended,NoUserRoot\n${text}`)).map((w) => w.rule),
    ["FromLatestTag", "MaintainerDeprecated"],
  );
  assert.deepEqual(lint(parseDockerfile(`# check=skip=all\n${text}`)), []);
  const df = parseDockerfile(`# check=skip=FromLatestTag;error=true\n${text}`);
  assert.equal(checkErrors(df), true);
  assert.equal(checkErrors(parseDockerfile(text)), false);
  assert.equal(
    lintFailureMessage(lint(df)),
    "lint violation found for rules: NoUserRoot, MaintainerDeprecated, JSONArgsRecommended",
  );
  assert.deepEqual(parseCheckOptions(" skip = A , B ; error = 1 "), {
    skipAll: false,
    skip: new Set(["A", "B"]),
    error: true,
  });
  assert.deepEqual(parseCheckOptions("nonsense"), { skipAll: false, skip: new Set(), error: false });
});
