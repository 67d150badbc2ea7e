import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import tar from "tar-stream";
import type { TestDaemon } from "./harness/daemon.ts";

/**
 * Helpers of the builder tests: build contexts as folders or tars, POST /build through the
 * API with its JSON messages parsed, and what a build must not leave behind.
 */

/** A context folder under /tmp: path → content (a string, or {symlink} for a link); removed on dispose. */
export function contextDir(
  files: Record<string, string | { symlink: string }>,
): { dir: string } & Disposable {
  const dir = mkdtempSync("/tmp/kapsel-build-ctx-");
  writeFiles(dir, files);
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(dir: string, files: Record<string, string | { symlink: string }>): void {
  for (const [path, content] of Object.entries(files)) {
    const p = join(dir, path);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof content === "string") writeFileSync(p, content);
    else symlinkSync(content.symlink, p);
  }
}

/** A tar of the files (regular files only, mode 0644, mtime fixed). */
export async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files))
    pack.entry({ name, mode: 0o644, mtime: new Date(1_700_000_000_000) }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

export interface BuildMessage {
  stream?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { code?: number; message?: string };
  status?: string;
}

/** POST /build with a body; the answer's messages (or its error body). */
export async function apiBuild(
  d: TestDaemon,
  body: Buffer | string,
  query = "",
): Promise<{ status: number; messages: BuildMessage[]; text: string; body: string }> {
  const r = await d.api("POST", `/build${query ? `?${query}` : ""}`, body);
  const messages =
    r.status === 200
      ? r.body
          .split(/\r?\n/)
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as BuildMessage)
      : [];
  return { status: r.status, messages, text: messages.map((m) => m.stream ?? "").join(""), body: r.body };
}

/** The image id an API build reported (its last aux message). */
export function auxId(messages: BuildMessage[]): string | undefined {
  return messages.filter((m) => m.aux?.ID).at(-1)?.aux?.ID;
}

/** Mounts and temporary layers a daemon still has: what a finished build must not leave. */
export function leftovers(d: TestDaemon): string[] {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((m) => m?.startsWith(d.dataRoot));
  const rw = readdirSync(join(d.dataRoot, "storage", "containers"));
  const tmp = readdirSync(join(d.dataRoot, "builder", "tmp")).filter((n) => n !== "files");
  return [
    ...mounts.map((m) => `mount ${m}`),
    ...rw.map((r) => `rw layer ${r}`),
    ...tmp.map((t) => `tmp ${t}`),
  ];
}

/** The stored config of an image (with kapsel's keys, which inspect may not show). */
export function imageConfig(d: TestDaemon, id: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(join(d.dataRoot, "image", "blobs", "sha256", id.replace(/^sha256:/, "")), "utf8"),
  ) as Record<string, unknown>;
}

/** The two CLIs every build test runs with: the real docker CLI and kapsel's. */
export const CLIS = ["docker", "kapsel"] as const;
export type Cli = (typeof CLIS)[number];

/** `<cli> build ...args` that must succeed; its stdout. */
export async function build(
  d: TestDaemon,
  cli: Cli,
  args: string[],
  o: { input?: string; timeout?: number } = {},
): Promise<string> {
  const r = await d[cli](["build", ...args], { timeout: 120_000, ...o });
  assert.equal(r.code, 0, `${cli} build ${args.join(" ")}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The short id of "Successfully built <id>". */
export const builtId = (out: string): string | undefined =>
  /Successfully built ([0-9a-f]{12})\n/.exec(out)?.[1];

/** How many steps a build's output says came from the cache. */
export const cachedSteps = (out: string): number => (out.match(/ ---> Using cache\n/g) ?? []).length;

/**
 * The docker CLI's notice on stderr for every classic build (and builder prune); kapsel has no
 * legacy builder to deprecate, so it prints none.
 */
const DEPRECATED = /^DEPRECATED: The legacy builder is deprecated[^\n]*\n(?: {12}[^\n]*\n)*\n/;

export function withoutDeprecation(stderr: string): string {
  return stderr.replace(DEPRECATED, "");
}

/** A build's output with what differs from one run to the next (ids) made constant. */
export function normalized(text: string): string {
  return text.replace(/\b[0-9a-f]{64}\b/g, "<digest>").replace(/\b[0-9a-f]{12}\b/g, "<id>");
}
