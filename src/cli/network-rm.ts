import { isNotFound } from "../client/index.ts";
import type { CommandModule } from "./command.ts";
import { bool } from "./command.ts";
import { networksApi } from "./network-client.ts";
import { errorText, StatusError } from "./status-error.ts";

export const command: CommandModule = {
  usage: "NETWORK [NETWORK...]",
  short: "Remove one or more networks",
  aliases: ["kapsel network rm", "kapsel network remove"],
  flags: [
    { name: "force", short: "f", type: "bool", description: "Do not error if the network does not exist" },
  ],
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const force = bool(ctx.flags, "force");
    const api = networksApi(ctx.client());
    let status = 0;
    try {
      // one at a time, each reported on its own line, as docker's runRemove
      for (const name of ctx.flags.args) {
        try {
          await api.remove(name);
          ctx.stdio.stdout.write(`${name}\n`);
        } catch (err) {
          if (force && isNotFound(err)) continue;
          ctx.stdio.stderr.write(`${errorText(err)}\n`);
          status = 1;
        }
      }
    } finally {
      api.close();
    }
    if (status !== 0) throw new StatusError(status, `exit status ${status}`);
    return 0;
  },
};
