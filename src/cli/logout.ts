import type { CommandModule } from "./command.ts";
import { convertToHostname, eraseAuth, INDEX_SERVER } from "./registry-auth.ts";

/**
 * `docker logout` (docker/cli cli/command/registry/logout.go): erases the stored credentials,
 * from config.json or through the registry's credential helper, under every form a login may
 * have stored the registry's key in. Like docker, it succeeds whether or not there was a login.
 */
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
    const errors = eraseAuth(ctx.env, keys);
    // docker counts failures by key against the list, which may name a key twice: a helper
    // that fails for "host" and its URLs then goes unreported, and so it does here
    if (errors.size === keys.length) {
      ctx.stdio.stderr.write("WARNING: could not erase credentials:\n");
      for (const [key, err] of errors) ctx.stdio.stderr.write(`${key}: ${err.message}\n`);
    }
    return 0;
  },
};
