import { spawn } from "node:child_process";
import { unavailable } from "../../lib/errors.ts";

/**
 * The file-system calls Node lacks: mknod (overlay whiteouts are character devices 0/0; layers
 * may hold device nodes and fifos) and extended attributes (the overlay opaque marker,
 * security.capability). They run in one short-lived `perl` per batch through syscall(2):
 * perl-base is Essential on Debian, so it is always there, and a native addon would need a
 * compiler. Syscall numbers are per architecture.
 */
const SYSCALLS: Record<string, { mknodat: number; lsetxattr: number; lgetxattr: number }> = {
  x64: { mknodat: 259, lsetxattr: 189, lgetxattr: 192 },
  arm64: { mknodat: 33, lsetxattr: 6, lgetxattr: 8 },
};

export const OPAQUE_XATTR = "trusted.overlay.opaque";

export type FsOp =
  /** replaces whatever is at path (not a directory) with a node; mode includes the S_IF type bits */
  | { op: "mknod"; path: string; mode: number; rdev: bigint }
  | { op: "setxattr"; path: string; name: string; value: Buffer };

// Records are NUL-separated fields, one record per line-less group; values travel as hex.
// Failures are printed as "path\terror" and make the script exit 1 at the end.
const SCRIPT = `
use strict;
my ($MKNODAT, $LSETXATTR, $LGETXATTR) = @ARGV;
local $/ = undef;
my @f = split(/\\0/, <STDIN>, -1);
pop @f if @f && $f[-1] eq '';
my $bad = 0;
while (@f) {
  my $op = shift @f;
  if ($op eq 'M') {
    my ($path, $mode, $dev) = splice(@f, 0, 3);
    unlink($path);
    my $r = syscall($MKNODAT, -100, $path, $mode + 0, $dev + 0);
    if ($r != 0) { print STDERR "mknod $path: $!\\n"; $bad = 1; }
  } elsif ($op eq 'X') {
    my ($path, $name, $hex) = splice(@f, 0, 3);
    my $val = pack('H*', $hex);
    my $r = syscall($LSETXATTR, $path, $name, $val, length($val), 0);
    if ($r != 0) { print STDERR "setxattr $name $path: $!\\n"; $bad = 1; }
  } elsif ($op eq 'G') {
    my ($path, $name) = splice(@f, 0, 2);
    my $buf = "\\0" x 256;
    my $n = syscall($LGETXATTR, $path, $name, $buf, 256);
    print $path, "\\0", unpack('H*', substr($buf, 0, $n)), "\\0" if $n >= 0;
  } else { die "bad op $op"; }
}
exit $bad;
`;

function numbers() {
  const n = SYSCALLS[process.arch];
  if (!n) throw unavailable(`kapsel storage does not know the syscall numbers of ${process.arch}`);
  return n;
}

function runPerl(input: string[]): Promise<Buffer> {
  const n = numbers();
  return new Promise((resolve, reject) => {
    const child = spawn("perl", ["-e", SCRIPT, String(n.mknodat), String(n.lsetxattr), String(n.lgetxattr)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => reject(unavailable(`cannot run perl for file-system calls: ${e.message}`, e)));
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(Buffer.concat(err).toString().trim() || `perl exited ${code}`));
    });
    child.stdin.on("error", () => {}); // a failure shows in the exit code
    for (const field of input) child.stdin.write(`${field}\0`);
    child.stdin.end();
  });
}

/** Runs the operations in order; rejects listing the ones that failed (after trying them all). */
export async function runFsOps(ops: FsOp[]): Promise<void> {
  if (ops.length === 0) return;
  const fields: string[] = [];
  for (const o of ops) {
    if (o.op === "mknod") fields.push("M", o.path, String(o.mode), o.rdev.toString());
    else fields.push("X", o.path, o.name, o.value.toString("hex"));
  }
  await runPerl(fields);
}

/** Reads one extended attribute of each path (symlinks not followed); paths without it are absent. */
export async function getXattrs(paths: string[], name: string): Promise<Map<string, Buffer>> {
  const result = new Map<string, Buffer>();
  if (paths.length === 0) return result;
  const fields: string[] = [];
  for (const p of paths) fields.push("G", p, name);
  const out = (await runPerl(fields)).toString("latin1").split("\0");
  for (let i = 0; i + 1 < out.length; i += 2)
    result.set(Buffer.from(out[i], "latin1").toString(), Buffer.from(out[i + 1], "hex"));
  return result;
}

/** Which of these directories carry the overlay opaque marker ("y"). */
export async function opaqueDirs(paths: string[]): Promise<Set<string>> {
  const values = await getXattrs(paths, OPAQUE_XATTR);
  const set = new Set<string>();
  for (const [p, v] of values) if (v.length === 1 && v[0] === 0x79) set.add(p);
  return set;
}
