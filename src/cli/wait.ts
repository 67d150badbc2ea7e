import type { CommandModule } from "./command.ts";
import { joinErrors } from "./status-error.ts";

export const command: CommandModule = {
  usage: "CONTAINER [CONTAINER...]",
  short: "Block until one or more containers stop, then print their exit codes",
  aliases: ["kapsel container wait", "kapsel wait"],
  flags: [],
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const client = ctx.client();
    const errors: unknown[] = [];
    for (const ref of ctx.flags.args) {
      try {
        const result = await client.containers.wait(ref);
        ctx.stdio.stdout.write(`${result.StatusCode}\n`);
      } catch (err) {
        errors.push(err);
      }
    }
    const failure = joinErrors(errors);
    if (failure) throw failure;
    return 0;
  },
};
