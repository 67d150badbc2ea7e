import type { Stdio } from "./stdio.ts";

/**
 * Docker's prompt.Confirm: prints "<message> [y/N] " and reads one line; only "y" or "Y"
 * (spaces trimmed) is yes. End of input is no.
 */
export async function confirm(stdio: Stdio, message: string): Promise<boolean> {
  stdio.stdout.write(`${message} [y/N] `);
  const line = await readLine(stdio.stdin);
  return line.trim().toLowerCase() === "y";
}

function readLine(input: Stdio["stdin"]): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const finish = () => {
      input.off("data", onData);
      input.off("end", finish);
      input.pause();
      resolve(text.split("\n")[0]);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes("\n")) finish();
    };
    input.on("data", onData);
    input.once("end", finish);
    input.resume();
  });
}
