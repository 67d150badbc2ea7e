import { internal, messageOf } from "../../lib/errors.ts";
import { execFileAsync } from "../../lib/exec-file.ts";

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/**
 * docker top, as moby's daemon/top_unix.go does it: the host's `ps` with the user's options,
 * first limited to the container's pids with `-q`, again without when those options refuse
 * -q; then only the rows of the container's processes are kept (a thread row, PID "-",
 * belongs with the process above it). A failing ps gives "ps: <its first line of stderr>".
 */
export async function topProcesses(pids: number[], psArgs: string): Promise<TopResult> {
  checkPsArgs(psArgs);
  const args = psArgs.split(" ");
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync("ps", [...args, `-q${pids.join(",")}`], { maxBuffer: 64 << 20 }));
  } catch {
    try {
      ({ stdout } = await execFileAsync("ps", args, { maxBuffer: 64 << 20 }));
    } catch (err) {
      const first = ((err as { stderr?: string }).stderr ?? "").split("\n")[0];
      throw internal(`ps: ${first || messageOf(err)}`, err);
    }
  }
  return parsePsOutput(stdout, new Set(pids));
}

/** `-o pid=PID` would rename the column kapsel looks for: refused, as Docker does. */
function checkPsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+(\S*)=\s*(PID\S*)/g)) {
    if (m[1] !== "pid") throw internal(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

export function parsePsOutput(output: string, pids: Set<number>): TopResult {
  const lines = output.split("\n");
  const fields = (line: string) => line.split(/[\t\n\f\r ]+/).filter(Boolean);
  const titles = fields(lines[0] ?? "");
  const pidCol = titles.indexOf("PID");
  if (pidCol < 0) throw internal("Couldn't find PID field in ps output");
  const processes: string[][] = [];
  const row = (f: string[]) => [...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(" ")];
  let inContainer = false;
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const f = fields(line);
    if (f[pidCol] === "-") {
      if (inContainer) processes.push(row(f));
      continue;
    }
    const pid = Number(f[pidCol]);
    if (!Number.isInteger(pid)) throw internal(`Unexpected pid '${f[pidCol]}'`);
    inContainer = pids.has(pid);
    if (inContainer) processes.push(row(f));
  }
  return { Titles: titles, Processes: processes };
}
