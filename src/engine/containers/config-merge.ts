import { invalid } from "../../lib/errors.ts";
import { parseSignal } from "../../lib/signals.ts";
import type { DockerConfig } from "./model.ts";

/** The parts of an image's config a container inherits (Docker's daemon/create merge). */
export interface ImageDefaults {
  User?: string;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: unknown;
  OnBuild?: string[] | null;
  ArgsEscaped?: boolean;
}

const envKey = (e: string) => e.split("=", 1)[0];

/** Fills a create request's config from the image, as Docker does: the user's values win. */
export function mergeImageConfig(user: DockerConfig, image: ImageDefaults): DockerConfig {
  const out: DockerConfig = { ...user };
  if (!out.User) out.User = image.User ?? "";
  if (!out.Env || out.Env.length === 0) out.Env = image.Env ? [...image.Env] : [];
  else {
    const keys = new Set(out.Env.map(envKey));
    for (const e of image.Env ?? []) if (!keys.has(envKey(e))) out.Env.push(e);
  }
  if (!out.Entrypoint || out.Entrypoint.length === 0) {
    if (!out.Cmd || out.Cmd.length === 0) {
      out.Cmd = image.Cmd ?? null;
      if (image.ArgsEscaped) out.ArgsEscaped = true;
    }
    // an empty list given by the user stays empty: only a missing one comes from the image
    if (!out.Entrypoint) out.Entrypoint = image.Entrypoint ?? null;
  }
  // `--entrypoint ""` sends [""]: no entrypoint at all, and the image's Cmd is not used either
  if (out.Entrypoint?.length === 1 && out.Entrypoint[0] === "") out.Entrypoint = null;
  if (!out.WorkingDir) out.WorkingDir = image.WorkingDir ?? "";
  if (image.ExposedPorts) out.ExposedPorts = { ...image.ExposedPorts, ...(out.ExposedPorts ?? {}) };
  // an empty map given (the CLI always sends one) takes the image's as it is, null included
  if (!out.Volumes || Object.keys(out.Volumes).length === 0)
    out.Volumes = image.Volumes ? { ...image.Volumes } : null;
  else if (image.Volumes) out.Volumes = { ...out.Volumes, ...image.Volumes };
  out.Labels = { ...(image.Labels ?? {}), ...(out.Labels ?? {}) };
  if (!out.StopSignal && image.StopSignal) out.StopSignal = image.StopSignal;
  if (!out.Healthcheck && image.Healthcheck) out.Healthcheck = image.Healthcheck;
  return out;
}

/** The process to run: entrypoint + cmd, or Docker's error when there is none. */
export function commandOf(config: DockerConfig): { path: string; args: string[] } {
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length === 0) throw invalid("no command specified");
  return { path: argv[0], args: argv.slice(1) };
}

/** A create body's Config with Docker's defaults for absent fields. */
export function normalizeConfig(body: Partial<DockerConfig>): DockerConfig {
  const list = (v: unknown, field: string): string[] | null => {
    if (v === undefined || v === null) return null;
    if (typeof v === "string") return [v];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      throw invalid(
        `json: cannot unmarshal ${typeof v} into Go struct field Config.${field} of type []string`,
      );
    }
    return v as string[];
  };
  // moby's verifyContainerSettings: a stop signal must parse, an env entry must have a name
  if (body.StopSignal) parseSignal(body.StopSignal);
  for (const e of list(body.Env, "Env") ?? []) {
    if (e.split("=", 1)[0] === "") throw invalid(`invalid environment variable: ${e}`);
  }
  return {
    Hostname: str(body.Hostname),
    Domainname: str(body.Domainname),
    User: str(body.User),
    AttachStdin: !!body.AttachStdin,
    AttachStdout: !!body.AttachStdout,
    AttachStderr: !!body.AttachStderr,
    ExposedPorts: body.ExposedPorts ?? undefined,
    Tty: !!body.Tty,
    OpenStdin: !!body.OpenStdin,
    StdinOnce: !!body.StdinOnce,
    Env: list(body.Env, "Env"),
    Cmd: list(body.Cmd, "Cmd"),
    Healthcheck: body.Healthcheck,
    Image: str(body.Image),
    Volumes: body.Volumes ?? null,
    WorkingDir: str(body.WorkingDir),
    Entrypoint: list(body.Entrypoint, "Entrypoint"),
    NetworkDisabled: body.NetworkDisabled || undefined,
    OnBuild: list(body.OnBuild, "OnBuild"),
    Labels: labelsOf(body.Labels),
    StopSignal: body.StopSignal || undefined,
    StopTimeout: typeof body.StopTimeout === "number" ? body.StopTimeout : undefined,
  };
}

function str(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw invalid(`json: cannot unmarshal ${typeof v} into a string field`);
  return v;
}

function labelsOf(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v))
    throw invalid("json: cannot unmarshal labels: expected an object");
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
}
