import type { Readable } from "node:stream";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import {
  type AuthConfig,
  configPath,
  convertToHostname,
  INDEX_SERVER,
  retrieveAuth,
  storeAuth,
} from "./registry-auth.ts";
import { errorText } from "./status-error.ts";

/**
 * `docker login` (docker/cli cli/command/registry/login.go): checks the credentials with the
 * daemon (POST /auth), then stores them as docker does (registry-auth.ts: config.json, or a
 * credential helper). Without -u/-p it tries the stored ones. Interactive prompts are not
 * implemented: a terminal-less login needs -u and -p.
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

/** The note docker prints before trying stored credentials (tui PrintNote, no terminal). */
const DIFFERENT_ACCOUNT_NOTE =
  "\n Info -> To login with a different account, run 'kapsel logout' followed by 'kapsel login'\n\n\n";

/** credentials/file_store.go's warning, printed (with Println) when a password went into the file. */
const unencryptedWarning = (path: string) =>
  `\nWARNING! Your credentials are stored unencrypted in '${path}'.\n` +
  "Configure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n";

/** storeCredentials: into the registry's store, warning as docker's file store does. */
function save(
  env: Record<string, string | undefined>,
  auth: AuthConfig,
  stderr: NodeJS.WritableStream,
): void {
  let unencrypted: boolean;
  try {
    unencrypted = storeAuth(env, auth);
  } catch (err) {
    throw new Error(`Error saving credentials: ${(err as Error).message}`);
  }
  if (unencrypted) stderr.write(unencryptedWarning(configPath(env)));
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
    if (o.passwordStdin && ctx.flags.changed.has("password")) {
      throw new Error("conflicting options: cannot specify both --password and --password-stdin");
    }
    if (o.passwordStdin && !ctx.flags.changed.has("username")) {
      throw new Error("the --password-stdin option requires --username to be set");
    }
    if (ctx.flags.changed.has("username") && o.user === "") throw new Error("username is empty");
    if (ctx.flags.changed.has("password") && o.password === "") throw new Error("password is empty");
    if (o.password !== "") {
      stderr.write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    }
    if (o.passwordStdin) {
      o.password = (await readAll(ctx.stdio.stdin)).replace(/\n$/, "").replace(/\r$/, "");
    }
    const server = o.server !== "" && o.server !== "docker.io" ? o.server : INDEX_SERVER;
    // docker keeps a registry's login under its host[:port], whatever URL was typed
    const key = server === INDEX_SERVER ? server : convertToHostname(server);
    const client = ctx.client();

    // the stored credentials first, when none were given (GetDefaultAuthConfig)
    let stored: AuthConfig = {};
    let storedFailed = false;
    if (o.user === "" && o.password === "") {
      try {
        stored = retrieveAuth(ctx.env, key) ?? {};
      } catch {
        storedFailed = true; // the helper's stderr has said why; docker goes on to ask
      }
    }
    if (!storedFailed && stored.username && stored.password) {
      const auth: AuthConfig = { ...stored, serveraddress: key, identitytoken: undefined };
      stderr.write(`Authenticating with existing credentials... [Username: ${auth.username}]\n`);
      stderr.write(DIFFERENT_ACCOUNT_NOTE);
      let status: string | undefined;
      let token: string | undefined;
      try {
        const r = await client.system.login({ ...auth });
        status = r.Status;
        token = r.IdentityToken;
      } catch (err) {
        stderr.write(
          (err as { status?: number }).status === 401
            ? "Stored credentials invalid or expired\n"
            : `Login did not succeed, error: ${errorText(err)}\n`,
        );
      }
      if (token) {
        auth.password = "";
        auth.identitytoken = token;
      }
      try {
        save(ctx.env, auth, stderr);
      } catch {
        status = undefined; // docker then asks for new credentials
      }
      if (status !== undefined) {
        if (status !== "") stdout.write(`${status}\n`);
        return 0;
      }
    }
    if (o.user === "" || o.password === "") {
      throw new Error("Error: Cannot perform an interactive login from a non TTY device");
    }
    const auth: AuthConfig = { username: o.user, password: o.password, serveraddress: key };
    const r = await client.system.login({ ...auth });
    if (r.IdentityToken) {
      auth.password = "";
      auth.identitytoken = r.IdentityToken;
    }
    save(ctx.env, auth, stderr);
    if (r.Status) stdout.write(`${r.Status}\n`);
    return 0;
  },
};
