import { invalid, KapselError } from "../../lib/errors.ts";
import { shortId } from "../../lib/ids.ts";
import { BuildArgs, SOURCE_DATE_EPOCH } from "./build-args.ts";
import type { BuildJob, StageResult } from "./build-job.ts";
import { OutputSequencer, StageOutput } from "./build-output.ts";
import { recordBuild } from "./build-record.ts";
import {
  checkErrors,
  type Dockerfile,
  expandWord,
  lint,
  lintFailureMessage,
  lintWarningText,
} from "./dockerfile/index.ts";
import type { BuildSink } from "./index.ts";
import { planStages, type StagePlan } from "./stage-graph.ts";
import { labelSteps, runStage } from "./stage-runner.ts";

/** What runBuild checks before it sends anything: the plan, or a thrown 400. */
export interface BuildPlan {
  plans: StagePlan[];
  metaArgs: BuildArgs;
  /** the meta ARG steps with their expanded values, printed as the first steps */
  metaSteps: Array<{ original: string }>;
  epoch?: number;
}

/**
 * Everything about a build that can fail before it starts (Docker answers these with a 400 and
 * no stream): the ARGs before the first FROM (expanded with the build args given), the stage
 * graph (target, --from names, cycles), SOURCE_DATE_EPOCH, and `# check=error=true` lint.
 */
export function planBuild(
  df: Dockerfile,
  o: { buildArgs?: Record<string, string | null>; target?: string; lintErrors?: boolean },
): BuildPlan {
  const args = new BuildArgs(o.buildArgs ?? {});
  for (const ins of df.metaArgs) {
    const allowed = args.allowed();
    const lookup = (name: string) => allowed.get(name);
    for (const a of ins.args) {
      const value = a.default === undefined ? undefined : expandWord(a.default, lookup, df.escape);
      args.addArg(a.name, value);
      args.addMetaArg(a.name, value);
    }
  }
  const meta = args.meta();
  const plans = planStages(df.stages, o.target, (w) => expandWord(w, (n) => meta.get(n), df.escape));
  const epochText = o.buildArgs?.[SOURCE_DATE_EPOCH];
  let epoch: number | undefined;
  if (typeof epochText === "string" && epochText !== "") {
    if (!/^\d{1,12}$/.test(epochText))
      throw invalid(`invalid SOURCE_DATE_EPOCH: ${epochText} (seconds since 1970 expected)`);
    epoch = Number(epochText);
  }
  if (o.lintErrors !== false && checkErrors(df)) {
    const warnings = lint(df);
    if (warnings.length > 0) throw invalid(lintFailureMessage(warnings));
  }
  return { plans, metaArgs: args, metaSteps: df.metaArgs, epoch };
}

/**
 * Runs the planned stages (each as soon as it is started; a stage waits for another only where
 * it uses it) and makes the final image: the transcript in stage order, then the aux image id,
 * "Successfully built", the tags, the checks' warnings when asked for. The first failure cancels
 * the other stages.
 */
export async function runBuild(
  job: BuildJob,
  plan: BuildPlan,
  sink: BuildSink,
  abort: AbortController,
  tags: string[],
): Promise<string> {
  const { dockerfile: df } = job;
  const top = new StageOutput(sink);
  for (const w of df.warnings ?? []) top.text(`\x1b[91m[WARNING]: ${w.message}\n\x1b[0m`);
  if ((df.warnings ?? []).length > 0)
    top.text("\x1b[91m[WARNING]: Empty continuation lines will become errors in a future release.\n\x1b[0m");

  let step = 1;
  for (const m of plan.metaSteps) top.step(step++, job.totalSteps, m.original);

  const target = plan.plans[plan.plans.length - 1];
  const labels = labelSteps(job.options.labels ?? {});
  const seq = new OutputSequencer(
    sink,
    plan.plans.map((p) => p.stage.index),
  );
  const starts = new Map<number, number>();
  for (const p of plan.plans) {
    starts.set(p.stage.index, step);
    step += 1 + p.stage.instructions.length + (p === target ? labels.length : 0);
  }
  let firstError: unknown;
  const running = plan.plans.map((p) => {
    const i = p.stage.index;
    const out = new StageOutput(seq.channel(i));
    const result: Promise<StageResult> = Promise.resolve().then(() =>
      runStage(job, p, out, starts.get(i)!, p === target ? labels : []),
    );
    job.stages.set(i, result);
    return result.then(
      (r) => {
        seq.finished(i);
        saveCache(job);
        return r;
      },
      (err) => {
        if (firstError === undefined) {
          firstError = err;
          abort.abort(new KapselError("internal", "Build cancelled: another stage failed"));
        }
        throw err;
      },
    );
  });
  const settled = await Promise.allSettled(running);
  saveCache(job);
  // the checks' warnings come last, as BuildKit gives them: Docker's classic transcript (which
  // clients read line by line, docker/cli's e2e tests included) keeps its lines and their order
  const warnings = () => {
    if (job.options.lintWarnings) for (const w of lint(df)) top.text(`WARN: ${lintWarningText(w)}\n`);
  };
  if (firstError !== undefined) {
    seq.flushAll();
    warnings();
    throw firstError;
  }
  const last = settled[settled.length - 1] as PromiseFulfilledResult<StageResult>;
  if (!last.value.imageId) throw invalid("No image was generated. Is your Dockerfile empty?");

  const unused = job.metaArgs.unused();
  if (unused.length > 0)
    top.text(`[Warning] One or more build-args [${unused.join(" ")}] were not consumed\n`);
  const finalId = await recordBuild(job, last.value.imageId);
  sink({ aux: { ID: finalId } });
  top.text(`Successfully built ${shortId(finalId)}\n`);
  for (const t of tags) {
    job.deps.images.tag(finalId, t);
    top.text(`Successfully tagged ${t}\n`);
  }
  warnings();
  return finalId;
}

function saveCache(job: BuildJob): void {
  try {
    job.cache.save();
  } catch (err) {
    job.deps.log?.("warn", `saving the build cache: ${(err as Error).message}`);
  }
}
