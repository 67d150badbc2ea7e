import { invalid } from "../../lib/errors.ts";
import { parseSignal } from "../../lib/signals.ts";
import type { HealthConfig } from "../images/index.ts";
import { type BuildJob, type StageState, shellOf } from "./build-job.ts";
import { commitMetadata } from "./commit.ts";
import type {
  ArgInstruction,
  CmdInstruction,
  EntrypointInstruction,
  EnvInstruction,
  ExposeInstruction,
  HealthcheckInstruction,
  LabelInstruction,
  MaintainerInstruction,
  OnbuildInstruction,
  ShellInstruction,
  StopsignalInstruction,
  UserInstruction,
  VolumeInstruction,
} from "./dockerfile/index.ts";
import { goHealth, goList, goQuoteList, nopComment } from "./history-text.ts";
import { exposedPorts } from "./port-spec.ts";

/**
 * The steps that change only the image config (moby's dispatchers.go): each changes the stage's
 * config, then makes an image with no layer and a `#(nop)` history entry, or takes the cached
 * one. Their instructions arrive expanded.
 */
export type MetadataInstruction =
  | EnvInstruction
  | LabelInstruction
  | MaintainerInstruction
  | OnbuildInstruction
  | CmdInstruction
  | EntrypointInstruction
  | HealthcheckInstruction
  | ExposeInstruction
  | UserInstruction
  | VolumeInstruction
  | StopsignalInstruction
  | ArgInstruction
  | ShellInstruction;

export async function metadataStep(
  job: BuildJob,
  state: StageState,
  ins: MetadataInstruction,
): Promise<void> {
  const c = state.config;
  let comment: string;
  switch (ins.kind) {
    case "ENV": {
      const env = [...(c.Env ?? [])];
      for (const { key, value } of ins.pairs) {
        const entry = `${key}=${value}`;
        const i = env.findIndex((e) => e.split("=", 1)[0] === key);
        if (i >= 0) env[i] = entry;
        else env.push(entry);
      }
      c.Env = env;
      comment = `ENV ${ins.pairs.map((p) => `${p.key}=${p.value}`).join(" ")}`;
      break;
    }
    case "LABEL":
      c.Labels = { ...(c.Labels ?? {}) };
      for (const { key, value } of ins.pairs) c.Labels[key] = value;
      comment = `LABEL ${ins.pairs.map((p) => `${p.key}=${p.value}`).join(" ")}`;
      break;
    case "MAINTAINER":
      state.maintainer = ins.maintainer;
      comment = `MAINTAINER ${ins.maintainer}`;
      break;
    case "ONBUILD":
      c.OnBuild = [...(c.OnBuild ?? []), ins.expression];
      comment = `ONBUILD ${ins.expression}`;
      break;
    case "CMD": {
      const cmd = commandLine(c, ins);
      c.Cmd = cmd;
      delete c.ArgsEscaped;
      await commitMetadata(job, state, nopComment(shellOf(c), `CMD ${goQuoteList(cmd)}`));
      if (ins.args.length > 0) state.cmdSet = true;
      return;
    }
    case "ENTRYPOINT":
      c.Entrypoint = commandLine(c, ins);
      delete c.ArgsEscaped;
      if (!state.cmdSet) c.Cmd = null;
      comment = `ENTRYPOINT ${goQuoteList(c.Entrypoint)}`;
      break;
    case "HEALTHCHECK": {
      const old = c.Healthcheck?.Test;
      if (old && old.length > 0 && old[0] !== "NONE")
        state.out.text(`Note: overriding previous HEALTHCHECK: ${goList(old)}\n`);
      const h: HealthConfig = { Test: ins.test };
      if (ins.interval) h.Interval = ins.interval;
      if (ins.timeout) h.Timeout = ins.timeout;
      if (ins.startPeriod) h.StartPeriod = ins.startPeriod;
      if (ins.startInterval) h.StartInterval = ins.startInterval;
      if (ins.retries) h.Retries = ins.retries;
      c.Healthcheck = h;
      comment = `HEALTHCHECK ${goHealth(h)}`;
      break;
    }
    case "EXPOSE":
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of exposedPorts(ins.ports)) c.ExposedPorts[p] = {};
      comment = `EXPOSE ${ins.ports.join(" ")}`;
      break;
    case "USER":
      c.User = ins.user;
      comment = `USER ${ins.user}`;
      break;
    case "VOLUME":
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of ins.paths) {
        if (v === "") throw invalid("VOLUME specified can not be an empty string");
        c.Volumes[v] = {};
      }
      comment = `VOLUME ${goList(ins.paths)}`;
      break;
    case "STOPSIGNAL":
      parseSignal(ins.signal);
      c.StopSignal = ins.signal;
      comment = `STOPSIGNAL ${ins.signal}`;
      break;
    case "ARG":
      for (const a of ins.args) state.args.addArg(a.name, a.default);
      comment = `ARG ${ins.args.map((a) => (a.default === undefined ? a.name : `${a.name}=${a.default}`)).join(" ")}`;
      break;
    case "SHELL":
      c.Shell = [...ins.shell];
      comment = `SHELL ${goList(ins.shell)}`;
      break;
  }
  await commitMetadata(job, state, nopComment(shellOf(c), comment));
}

/** moby's resolveCmdLine on Linux: exec form as is, shell form behind SHELL. */
function commandLine(config: { Shell?: string[] }, ins: { json: boolean; args: string[] }): string[] {
  if (ins.args.length === 0) return [];
  return ins.json ? [...ins.args] : [...shellOf(config), ...ins.args];
}
