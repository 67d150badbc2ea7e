import type { CommandModule } from "./command.ts";
import { convertToHostname, eraseAuth, INDEX_SERVER } from "./registry-auth.ts";

/** `docker logout` (docker/cli cli/command/registry/logout.go): drops the stored credentials. */
export const command: CommandModule = {
  usage: "[SERVER]",
  short: "Log out from a registry",
  long: "Log out from a registry.\nIf no server is specified, the default is defined by the daemon.",
  flags: [],
  args: { kind: "max", n: 1 },
  async run(ctx) {
    const given = ctx.flags.args[0] ?? "";
    const server = given === "" ? INDEX_SERVER : given;
    const hostname = given === "" ? server : convertToHostname(server);
    // the address as given, and the forms a login may have stored it under
    const keys = given === "" ? [server] : [server, hostname, `http://${hostname}`, `https://${hostname}`];
    ctx.stdio.stdout.write(`Removing login credentials for ${hostname}\n`);
    eraseAuth(ctx.env, keys);
    return 0;
  },
};
