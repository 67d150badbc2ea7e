import type { Readable } from "node:stream";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import {
  type AuthConfig,
  configPath,
  convertToHostname,
  INDEX_SERVER,
  storeAuth,
  storedAuth,
} from "./registry-auth.ts";

/**
 * `docker login` (docker/cli cli/command/registry/login.go): checks the credentials with the
 * daemon (POST /auth), then stores them in config.json. Without -u/-p it tries the stored
 * ones. Interactive prompts are not implemented: a terminal-less login needs -u and -p.
 */

export const loginFlags: FlagSpec[] = [
  { name: "password", short: "p", type: "string", description: "Password or Personal Access Token (PAT)" },
  {
    name: "password-stdin",
    type: "bool",
    description: "Take the Password or Personal Access Token (PAT) from stdin",
  },
  { name: "username", short: "u", type: "string", description: "Username" },
];

export interface LoginOptions {
  server: string;
  user: string;
  password: string;
  passwordStdin: boolean;
}

export function toLoginOptions(flags: ParsedArgs): LoginOptions {
  return {
    server: flags.args[0] ?? "",
    user: str(flags, "username"),
    password: str(flags, "password"),
    passwordStdin: bool(flags, "password-stdin"),
  };
}

async function readAll(input: Readable): Promise<string> {
  let text = "";
  for await (const chunk of input) text += chunk.toString();
  return text;
}

export const command: CommandModule = {
  usage: "[OPTIONS] [SERVER]",
  short: "Authenticate to a registry",
  long: "Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.",
  flags: loginFlags,
  args: { kind: "max", n: 1 },
  async run(ctx) {
    const o = toLoginOptions(ctx.flags);
    const { stdout, stderr } = ctx.stdio;
    if (o.password !== "" && o.passwordStdin) {
      throw new Error("conflicting options: cannot specify both --password and --password-stdin");
    }
    if (o.password !== "") {
      stderr.write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    }
    if (o.passwordStdin) {
      if (o.user === "") throw new Error("the --password-stdin option requires --username to be set");
      o.password = (await readAll(ctx.stdio.stdin)).replace(/\n$/, "").replace(/\r$/, "");
    }
    const server = o.server !== "" && o.server !== "docker.io" ? o.server : INDEX_SERVER;
    const client = ctx.client();

    // the stored credentials first, when none were given
    if (o.user === "" && o.password === "") {
      const stored = storedAuth(ctx.env, server === INDEX_SERVER ? server : convertToHostname(server));
      if (stored?.username && stored.password) {
        stderr.write(`Authenticating with existing credentials... [Username: ${stored.username}]\n`);
        try {
          const r = await client.system.login({ ...stored, serveraddress: server });
          stderr.write(
            "\n Info -> To login with a different account, run 'kapsel logout' followed by 'kapsel login'\n\n\n",
          );
          stdout.write(`${r.Status}\n`);
          return 0;
        } catch (err) {
          stderr.write(`Login did not succeed, error: ${(err as Error).message}\n`);
        }
      }
    }
    if (o.user === "" || o.password === "") {
      throw new Error("Error: Cannot perform an interactive login from a non TTY device");
    }
    const auth: AuthConfig = { username: o.user, password: o.password, serveraddress: server };
    const r = await client.system.login({ ...auth });
    if (r.IdentityToken) {
      auth.password = "";
      auth.identitytoken = r.IdentityToken;
    }
    try {
      storeAuth(ctx.env, auth);
    } catch (err) {
      throw new Error(`error saving credentials: ${(err as Error).message}`);
    }
    // docker's file store warns so; kapsel has no credential helpers to offer instead
    stderr.write(
      `\nWARNING! Your credentials are stored unencrypted in '${configPath(ctx.env)}'.\n` +
        "Configure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n",
    );
    stdout.write(`${r.Status}\n`);
    return 0;
  },
};
