import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { invalid, messageOf } from "../../lib/errors.ts";
import { runCommandForHistory } from "./build-args.ts";
import { type BuildJob, checkAborted, type StageState, shellOf } from "./build-job.ts";
import { commitImage, keyOf, probeCache } from "./commit.ts";
import type { RunInstruction } from "./dockerfile/index.ts";
import { RunStepError } from "./index.ts";

/** What a RUN runs, and what a shebang heredoc needs mounted. */
interface RunCommand {
  cmd: string[];
  /** `RUN <<EOF` with a `#!` body: the script, run as a file at /dev/pipes/<name> (BuildKit's way) */
  script?: { name: string; content: string };
}

/**
 * RUN (moby's dispatchRun): the cache is probed with the command as history records it (with
 * the build args in effect, `|1 A=b /bin/sh -c ...`); on a miss a container runs the command
 * on the stage's image (SHELL + command, the image's env plus the args, USER, WORKDIR; the
 * build's network, hosts, shm size and ulimits), its output streamed to the build as it comes;
 * a zero exit commits its changes as the step's layer. The container is removed afterwards
 * (--rm, the default, also after a failure: kapsel leaves nothing behind; --rm=false keeps it).
 */
export async function runStep(job: BuildJob, state: StageState, ins: RunInstruction): Promise<void> {
  const used = Object.keys(ins.flags);
  if (used.length > 0)
    throw invalid(
      `the --${used[0]} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled`,
    );
  if (!state.imageId)
    throw invalid("cannot RUN in an empty image (FROM scratch): it has no shell or command yet");
  const run = commandOf(state, ins);
  const env = state.config.Env ?? [];
  const argEnv = state.args.filterAllowed(env);
  const saveCmd = runCommandForHistory(state.args, argEnv, run.cmd);
  const createdBy = saveCmd.join(" ");
  const key = keyOf(job, state, `RUN ${JSON.stringify(saveCmd)}`);
  if (probeCache(job, state, key)) return;

  const { containers, storage } = job.deps;
  const binds: string[] = [];
  if (run.script) {
    const dir = await mkdtemp(posix.join(job.scratch, "run-"));
    const file = posix.join(dir, run.script.name);
    await writeFile(file, run.script.content);
    await chmod(file, 0o755);
    binds.push(`${dir}:/dev/pipes:ro`);
  }
  const o = job.options;
  const { Id: id, Warnings: warnings } = await containers.create({
    Image: state.imageId,
    Cmd: run.cmd,
    Entrypoint: [""],
    Env: [...env, ...argEnv],
    User: state.config.User ?? "",
    WorkingDir: state.config.WorkingDir ?? "",
    Labels: state.config.Labels ?? {},
    ExposedPorts: state.config.ExposedPorts,
    Volumes: state.config.Volumes ?? null,
    StopSignal: state.config.StopSignal,
    Healthcheck: { Test: ["NONE"] },
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      ...o.resources,
      NetworkMode: o.networkMode || "bridge",
      ExtraHosts: o.extraHosts ?? [],
      ...(o.shmSize ? { ShmSize: o.shmSize } : {}),
      ...(o.ulimits && o.ulimits.length > 0 ? { Ulimits: o.ulimits } : {}),
      ...(binds.length > 0 ? { Binds: binds } : {}),
    },
  });
  await job.markers.add("ctr", id);
  for (const w of warnings) state.out.text(` ---> [Warning] ${w}\n`);
  state.out.runningIn(id);
  const removeAfter = o.remove !== false || o.forceRemove === true;
  try {
    const code = await runContainer(job, state, id);
    if (code !== 0)
      throw new RunStepError(`The command '${run.cmd.join(" ")}' returned a non-zero code: ${code}`, code);
    await commitImage(job, state, { key, createdBy, layer: storage.diffTar(id, diffOptions(job)) });
  } finally {
    if (removeAfter) {
      await containers.remove(id, { force: true, volumes: true }).catch(() => {});
      state.out.removedContainer(id);
    }
    await job.markers.remove("ctr", id);
  }
}

function diffOptions(job: BuildJob): { mtimeMax: Date } | undefined {
  return job.epoch === undefined ? undefined : { mtimeMax: new Date(job.epoch * 1000) };
}

/**
 * Attaches before the start (so no output is lost), starts, streams the output, and resolves
 * with the exit code. A cancelled build kills the container.
 */
async function runContainer(job: BuildJob, state: StageState, id: string): Promise<number> {
  const { containers } = job.deps;
  checkAborted(job.signal);
  const attach = await containers.attach(id);
  const exited = containers.wait(id, "next-exit");
  exited.catch(() => {});
  const onAbort = () => void containers.remove(id, { force: true, volumes: true }).catch(() => {});
  job.signal.addEventListener("abort", onAbort);
  try {
    try {
      await containers.start(id);
    } catch (err) {
      attach.cancel();
      throw err;
    }
    const session = await attach.session;
    try {
      for await (const frame of session.output) state.out.output(frame.stream, frame.data);
    } finally {
      session.close();
    }
    const { StatusCode } = await exited;
    checkAborted(job.signal);
    return StatusCode;
  } catch (err) {
    checkAborted(job.signal);
    throw err instanceof Error ? err : new Error(messageOf(err));
  } finally {
    job.signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The command: exec form as written; shell form with SHELL in front. Heredocs follow BuildKit:
 * `RUN <<EOF` alone runs the body (as a script file when it starts with #!), otherwise the
 * shell gets the line and the bodies, and does the redirections itself.
 */
function commandOf(state: StageState, ins: RunInstruction): RunCommand {
  if (ins.json) return { cmd: [...ins.args] };
  const shell = shellOf(state.config);
  const line = ins.args[0] ?? "";
  if (ins.heredocs.length === 0) return { cmd: [...shell, line] };
  const only = /^[0-9]*<<-?\s*(["']?)([^\s"']+)\1$/.exec(line.trim());
  if (ins.heredocs.length === 1 && only && only[2] === ins.heredocs[0].name) {
    const h = ins.heredocs[0];
    if (h.content.startsWith("#!")) {
      const name = h.name.replace(/[^A-Za-z0-9_.-]/g, "_");
      return { cmd: [`/dev/pipes/${name}`], script: { name, content: h.content } };
    }
    return { cmd: [...shell, h.content] };
  }
  const script = [line, ...ins.heredocs.map((h) => `${h.content}${h.name}`)].join("\n");
  return { cmd: [...shell, `${script}\n`] };
}
