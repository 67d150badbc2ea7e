import type { EngineClient } from "../client/index.ts";
import type { CommandModule } from "./command.ts";
import { bool, str } from "./command.ts";
import {
  DEFAULT_STATS_TABLE_FORMAT,
  emptyEntry,
  STATS_HEADERS,
  type StatsEntry,
  statsEntry,
  statsRow,
} from "./format/stats-columns.ts";
import { formatRows } from "./format/table-format.ts";
import { FORMAT_HELP } from "./ps.ts";
import { joinErrors } from "./status-error.ts";

/** How long docker waits for a container's first sample before showing "--". */
const FIRST_SAMPLE_TIMEOUT_MS = 2000;
/** docker redraws the live table twice a second. */
const FRAME_MS = 500;

/**
 * `docker stats` (docker/cli cli/command/container/stats.go): one collector per container
 * reading GET /containers/{id}/stats; --no-stream prints the first sample of each (CPU from the
 * daemon's previous-sample pair), else the table is redrawn in place every 500 ms. Without
 * container arguments the running containers (all with -a) are shown, and the event stream
 * adds the ones that start (or are created) and drops those that die (or are removed).
 */
export const command: CommandModule = {
  usage: "[OPTIONS] [CONTAINER...]",
  short: "Display a live stream of container(s) resource usage statistics",
  aliases: ["kapsel container stats", "kapsel stats"],
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all containers (default shows just running)",
    },
    {
      name: "no-stream",
      type: "bool",
      description: "Disable streaming stats and only pull the first result",
    },
    { name: "no-trunc", type: "bool", description: "Do not truncate output" },
    { name: "format", type: "string", description: FORMAT_HELP },
  ],
  args: { kind: "any" },
  async run(ctx) {
    const client = ctx.client();
    const all = bool(ctx.flags, "all");
    const stream = !bool(ctx.flags, "no-stream");
    const named = ctx.flags.args;
    const showAll = named.length === 0;
    const stop = new AbortController();
    const collector = new Collector(client, stream, stop.signal);
    try {
      if (showAll) {
        if (stream) await watchEvents(client, collector, all, stop.signal);
        const list = await client.containers.list({ all });
        // docker names listed (and event-found) containers by their short ID
        await Promise.all(list.map((c) => collector.add(c.Id.slice(0, 12))));
      } else {
        await Promise.all(named.map((ref) => collector.add(ref)));
        const failed = joinErrors(collector.errors());
        if (failed) throw failed;
      }
      const format = str(ctx.flags, "format");
      const render = () =>
        formatRows(
          format === "" || format === "table" ? DEFAULT_STATS_TABLE_FORMAT : format,
          collector.entries.map((e) => statsRow(e, { trunc: !bool(ctx.flags, "no-trunc") })),
          { header: STATS_HEADERS },
        );
      if (!stream) {
        if (collector.entries.length > 0) ctx.stdio.stdout.write(render());
        return 0;
      }
      for (;;) {
        await new Promise((r) => setTimeout(r, FRAME_MS));
        if (collector.entries.length === 0 && !showAll) {
          ctx.stdio.stdout.write("\x1b[H\x1b[J");
          return 0;
        }
        // home, each line then clear-to-end-of-line, then clear the rest of the screen
        const lines = render().split("\n");
        ctx.stdio.stdout.write(`\x1b[H${lines.map((l) => `${l}\x1b[K\n`).join("")}\x1b[J`);
      }
    } finally {
      stop.abort();
    }
  },
};

/** The containers being watched, in the order they were added, each with its latest sample. */
class Collector {
  readonly entries: StatsEntry[] = [];
  readonly #client: EngineClient;
  readonly #stream: boolean;
  readonly #signal: AbortSignal;
  readonly #failures = new Map<StatsEntry, unknown>();
  readonly #stops = new Map<StatsEntry, AbortController>();

  constructor(client: EngineClient, stream: boolean, signal: AbortSignal) {
    this.#client = client;
    this.#stream = stream;
    this.#signal = signal;
  }

  errors(): unknown[] {
    return this.entries.flatMap((e) => (this.#failures.has(e) ? [this.#failures.get(e)] : []));
  }

  /** Starts collecting for a container not yet watched; resolves with its first sample, error or timeout. */
  add(container: string): Promise<void> {
    if (this.entries.some((e) => e.container === container)) return Promise.resolve();
    const entry = emptyEntry(container);
    this.entries.push(entry);
    const stop = new AbortController();
    this.#stops.set(entry, stop);
    return new Promise<void>((first) => {
      const timer = setTimeout(() => {
        Object.assign(entry, emptyEntry(container), { invalid: true });
        this.#failures.set(entry, new Error("timeout waiting for stats"));
        first();
      }, FIRST_SAMPLE_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        first();
      };
      void this.#collect(entry, AbortSignal.any([this.#signal, stop.signal]), done);
    });
  }

  /** Stops watching a container (by the ID events give). */
  remove(id: string): void {
    const i = this.entries.findIndex((e) => e.id === id || id.startsWith(e.container));
    if (i < 0) return;
    const [entry] = this.entries.splice(i, 1);
    this.#stops.get(entry)?.abort();
    this.#stops.delete(entry);
  }

  async #collect(entry: StatsEntry, signal: AbortSignal, first: () => void): Promise<void> {
    try {
      const samples = await this.#client.containers.stats(entry.container, { stream: this.#stream, signal });
      for await (const v of samples) {
        Object.assign(entry, statsEntry(entry.container, v));
        this.#failures.delete(entry);
        first();
        if (!this.#stream) break;
      }
      if (this.#stream && !signal.aborted) entry.invalid = true; // the daemon ended the stream
    } catch (err) {
      if (signal.aborted) return;
      entry.invalid = true;
      this.#failures.set(entry, err);
    } finally {
      first();
    }
  }
}

/** Adds containers as they start (or are created, with -a) and drops them as they die (or go). */
async function watchEvents(
  client: EngineClient,
  collector: Collector,
  all: boolean,
  signal: AbortSignal,
): Promise<void> {
  const events = await client.system.events({ filters: new Map([["type", ["container"]]]), signal });
  const adds = new Set(all ? ["start", "create"] : ["start"]);
  const removes = new Set(all ? ["destroy"] : ["destroy", "die"]);
  void (async () => {
    try {
      for await (const e of events) {
        const id = e.Actor?.ID;
        if (!id) continue;
        if (adds.has(e.Action ?? "")) void collector.add(id.slice(0, 12));
        else if (removes.has(e.Action ?? "")) collector.remove(id);
      }
    } catch {
      // the command is ending (or the daemon went away: the table simply stops changing)
    }
  })();
}
