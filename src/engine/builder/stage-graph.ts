import { invalid } from "../../lib/errors.ts";
import type { Stage } from "./dockerfile/index.ts";

/** What a stage builds on: the stages its FROM and COPY --from name. */
export interface StagePlan {
  stage: Stage;
  /** the stage FROM names, when it names one (else FROM is an image or scratch) */
  fromStage?: number;
  /** every stage this one needs finished first */
  deps: Set<number>;
}

/**
 * Which stages a build runs, and what each waits for. FROM may name an earlier stage (by its
 * AS name); COPY --from an earlier or later stage by name or an earlier one by index; anything
 * else is an image. Only the target (default: the last stage) and what it needs are built,
 * BuildKit's rule; the classic builder built every stage before the target. `expand` gives a
 * FROM or --from value with the args before the first FROM substituted.
 */
export function planStages(
  stages: readonly Stage[],
  target: string | undefined,
  expand: (word: string) => string,
): StagePlan[] {
  if (stages.length === 0) throw invalid("the Dockerfile has no FROM instruction");
  const byName = new Map<string, number>();
  for (const s of stages) {
    if (!s.name) continue;
    const key = s.name.toLowerCase();
    if (byName.has(key)) throw invalid(`${s.name} stage name already used`);
    byName.set(key, s.index);
  }
  let targetIndex = stages.length - 1;
  if (target) {
    const found = byName.get(target.toLowerCase());
    if (found === undefined) throw invalid(`target stage "${target}" could not be found`);
    targetIndex = found;
  }

  const plans = stages.map((stage): StagePlan => {
    const deps = new Set<number>();
    const fromName = expand(stage.from.image).toLowerCase();
    const named = byName.get(fromName);
    const fromStage = named !== undefined && named < stage.index ? named : undefined;
    if (fromStage !== undefined) deps.add(fromStage);
    for (const ins of stage.instructions) {
      if ((ins.kind !== "COPY" && ins.kind !== "ADD") || !ins.from) continue;
      const ref = stageRef(expand(ins.from), stage.index, stages.length, byName);
      if (ref === stage.index)
        throw invalid(`circular dependency detected on stage: ${stage.name ?? stage.index}`);
      if (ref !== undefined) deps.add(ref);
    }
    return { stage, fromStage, deps };
  });

  // the target and what it needs, depth first; a stage met again on its own path is a cycle
  const needed = new Set<number>();
  const onPath = new Set<number>();
  const visit = (i: number) => {
    if (onPath.has(i)) throw invalid(`circular dependency detected on stage: ${stages[i].name ?? i}`);
    if (needed.has(i)) return;
    onPath.add(i);
    for (const d of plans[i].deps) visit(d);
    onPath.delete(i);
    needed.add(i);
  };
  visit(targetIndex);
  return plans.filter((p) => needed.has(p.stage.index));
}

/**
 * The stage a COPY --from value names: a stage name (any position), or a number (an earlier
 * stage; Docker's "refers to current build stage" and "index out of bounds" otherwise).
 * undefined: an image.
 */
export function stageRef(
  value: string,
  current: number,
  count: number,
  byName: ReadonlyMap<string, number>,
): number | undefined {
  const named = byName.get(value.toLowerCase());
  if (named !== undefined) return named;
  if (!/^-?\d+$/.test(value)) return undefined;
  const i = Number(value);
  if (i === current) throw invalid(`invalid from flag value ${value}: refers to current build stage`);
  if (i < 0 || i > current || i >= count)
    throw invalid(`invalid from flag value ${value}: index out of bounds`);
  return i;
}
