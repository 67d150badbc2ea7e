import { shortId } from "../../lib/ids.ts";
import type { BuildMessage, BuildSink } from "./index.ts";

/**
 * The classic builder's transcript (moby's builder.go, internals.go, containerbackend.go and
 * the streamformatter), message by message, for one stage.
 */
export class StageOutput {
  readonly #emit: BuildSink;

  constructor(emit: BuildSink) {
    this.#emit = emit;
  }

  raw(m: BuildMessage): void {
    this.#emit(m);
  }

  text(s: string): void {
    this.#emit({ stream: s });
  }

  /** "Step 3/7 : COPY a /b" */
  step(n: number, total: number, original: string): void {
    this.text(`Step ${n}/${total} : ${original}\n`);
  }

  /** " ---> 5f1e…" (12 hex digits; empty for FROM scratch, as Docker prints it) */
  image(id: string | undefined): void {
    this.text(` ---> ${id ? shortId(id) : ""}\n`);
  }

  usingCache(): void {
    this.text(" ---> Using cache\n");
  }

  runningIn(containerId: string): void {
    this.text(` ---> Running in ${shortId(containerId)}\n`);
  }

  removedContainer(containerId: string): void {
    this.text(` ---> Removed intermediate container ${shortId(containerId)}\n`);
  }

  /** A RUN step's output; stderr in the red the docker CLI shows it in (NewStderrWriter). */
  output(stream: "stdout" | "stderr", data: Buffer): void {
    const s = data.toString("utf8");
    this.text(stream === "stderr" ? `\x1b[91m${s}\x1b[0m` : s);
  }
}

/**
 * Keeps the transcript in stage order while stages run at the same time: the first unfinished
 * stage writes live, the others are held until every stage before them has finished, so the
 * output reads as if the stages had run one after the other.
 */
export class OutputSequencer {
  readonly #sink: BuildSink;
  readonly #order: number[];
  readonly #held = new Map<number, BuildMessage[]>();
  readonly #finished = new Set<number>();
  #current = 0;
  #flushed = false;

  constructor(sink: BuildSink, order: number[]) {
    this.#sink = sink;
    this.#order = order;
    for (const s of order) this.#held.set(s, []);
  }

  /** The sink of one stage's messages. */
  channel(stage: number): BuildSink {
    return (m) => {
      if (this.#flushed || this.#order[this.#current] === stage) this.#sink(m);
      else this.#held.get(stage)?.push(m);
    };
  }

  /** The stage has written everything: the next ones catch up. */
  finished(stage: number): void {
    this.#finished.add(stage);
    while (this.#current < this.#order.length && this.#finished.has(this.#order[this.#current])) {
      this.#current++;
      this.#release(this.#order[this.#current]);
    }
  }

  /** After a failure: everything held goes out, in order, so the user sees what happened. */
  flushAll(): void {
    this.#flushed = true;
    for (; this.#current < this.#order.length; this.#current++) this.#release(this.#order[this.#current]);
  }

  #release(stage: number | undefined): void {
    if (stage === undefined) return;
    const held = this.#held.get(stage) ?? [];
    this.#held.set(stage, []);
    for (const m of held) this.#sink(m);
  }
}
