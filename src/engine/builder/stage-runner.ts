import { invalid } from "../../lib/errors.ts";
import { hostArchitecture } from "../../lib/host-arch.ts";
import type { ContainerConfig } from "../images/index.ts";
import type { BuildJob, StageResult, StageState } from "./build-job.ts";
import type { StageOutput } from "./build-output.ts";
import { dispatch } from "./dispatch.ts";
import { expandWord, type LabelInstruction, parseDockerfile } from "./dockerfile/index.ts";
import { checkPlatform, imageFor } from "./from-image.ts";
import type { StagePlan } from "./stage-graph.ts";

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * One stage (moby's dispatchDockerfileWithCancellation, per stage): FROM (an earlier stage's
 * image, scratch, or an image, pulled when missing or with --pull), the base image's ONBUILD
 * triggers, then each instruction, printing "Step n/total : ..." and " ---> <id>" around each.
 * `labels` are --label's, added as LABEL steps when this is the target stage.
 */
export async function runStage(
  job: BuildJob,
  plan: StagePlan,
  out: StageOutput,
  firstStep: number,
  labels: LabelInstruction[],
): Promise<StageResult> {
  const { stage } = plan;
  const from = stage.from;
  out.step(firstStep, job.totalSteps, from.original);
  const meta = job.metaArgs.meta();
  const lookup = (name: string) => meta.get(name);
  const name = expandWord(from.image, lookup, job.dockerfile.escape);
  if (name === "") throw invalid(`base name (${from.image}) should not be blank`);
  if (from.platform) checkPlatform(expandWord(from.platform, lookup, job.dockerfile.escape));

  const state: StageState = {
    index: stage.index,
    name: stage.name,
    imageId: undefined,
    config: {},
    os: "linux",
    architecture: hostArchitecture(),
    cmdSet: false,
    args: job.metaArgs.forStage(),
    out,
    step: firstStep + 1,
  };
  if (plan.fromStage !== undefined) {
    const base = await job.stages.get(plan.fromStage)!;
    state.imageId = base.imageId;
    state.config = structuredClone(base.config);
  } else if (name.toLowerCase() !== "scratch") {
    const img = await imageFor(job, name, out, { pull: job.options.pull === true });
    state.imageId = img.id;
    state.config = structuredClone(img.config.config ?? {});
    state.os = img.config.os || "linux";
    state.architecture = img.config.architecture || state.architecture;
    if (img.config.variant) state.variant = img.config.variant as string;
  }
  setDefaultPath(state.config);

  const triggers = state.config.OnBuild ?? [];
  if (triggers.length > 0) {
    delete state.config.OnBuild;
    out.text(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? "s" : ""}\n`);
    for (const trigger of triggers) await dispatch(job, state, parseTrigger(trigger));
  }
  out.image(state.imageId);

  for (const ins of stage.instructions) {
    out.step(state.step++, job.totalSteps, ins.original);
    await dispatch(job, state, ins);
    out.image(state.imageId);
  }
  for (const label of labels) {
    out.step(state.step++, job.totalSteps, label.original);
    await dispatch(job, state, label, { expand: false });
    out.image(state.imageId);
  }
  return { imageId: state.imageId, config: state.config };
}

/** Docker's setDefaultPath: a PATH when the image has none. */
function setDefaultPath(config: ContainerConfig): void {
  const env = config.Env ?? [];
  if (!env.some((e) => e.split("=", 1)[0] === "PATH")) config.Env = [...env, DEFAULT_PATH];
}

/** An ONBUILD trigger as an instruction ("RUN echo hi", heredocs included). */
function parseTrigger(trigger: string) {
  const df = parseDockerfile(`FROM scratch\n${trigger}\n`, { name: "ONBUILD trigger" });
  const ins = df.stages[0]?.instructions ?? [];
  if (ins.length !== 1) throw invalid("onbuild trigger should be a single expression");
  return ins[0];
}

/** --label's LABEL steps, sorted by key (moby's buildLabelOptions). */
export function labelSteps(labels: Record<string, string>): LabelInstruction[] {
  return Object.keys(labels)
    .sort()
    .map((key) => ({
      kind: "LABEL" as const,
      line: 0,
      endLine: 0,
      original: `LABEL ${key}=${labels[key]}`,
      flags: {},
      pairs: [{ key, value: labels[key] }],
    }));
}
