import { invalid } from "../../lib/errors.ts";
import { type BuildJob, checkAborted, type StageState } from "./build-job.ts";
import { copyStep } from "./copy-step.ts";
import { envListLookup, expandInstruction, type Instruction } from "./dockerfile/index.ts";
import { metadataStep } from "./metadata-steps.ts";
import { runStep } from "./run-step.ts";
import { workdirStep } from "./workdir-step.ts";

/**
 * One instruction of a stage (moby's dispatch): expanded with the stage's env and the build
 * args it may use (the env wins over an arg of the same name), then run. `expand: false` is for
 * --label's LABEL steps, whose values are taken as given.
 */
export async function dispatch(
  job: BuildJob,
  state: StageState,
  raw: Instruction,
  o: { expand?: boolean } = {},
): Promise<void> {
  checkAborted(job.signal);
  const env = state.config.Env ?? [];
  const lookup = envListLookup([...env, ...state.args.filterAllowed(env)]);
  const ins = o.expand === false ? raw : expandInstruction(raw, lookup, job.dockerfile.escape);
  switch (ins.kind) {
    case "RUN":
      return runStep(job, state, ins);
    case "COPY":
    case "ADD":
      return copyStep(job, state, ins);
    case "WORKDIR":
      return workdirStep(job, state, ins);
    case "FROM":
      throw invalid("FROM inside a stage");
    default:
      return metadataStep(job, state, ins);
  }
}
