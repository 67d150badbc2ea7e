import { isNotFound } from "../client/index.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { typedContainer, typedImage, typedNetwork } from "./inspect-types.ts";
import { type Inspected, inspectAll } from "./inspector.ts";
import { type NetworksApi, networksApi } from "./network-client.ts";
import { inspectedVolume } from "./volume-inspect.ts";

const ALL_TYPES = [
  "config",
  "container",
  "image",
  "network",
  "node",
  "plugin",
  "secret",
  "service",
  "task",
  "volume",
];

export const inspectFlags: FlagSpec[] = [
  { name: "format", short: "f", type: "string", description: INSPECT_FORMAT_HELP },
  { name: "type", type: "string", description: "Only inspect objects of the given type" },
  {
    name: "size",
    short: "s",
    type: "bool",
    description: "Display total file sizes if the type is container",
  },
];

export interface InspectOptions {
  refs: string[];
  format: string;
  type: string;
  size: boolean;
}

export function toInspectOptions(flags: ParsedArgs): InspectOptions {
  const type = str(flags, "type");
  const typeList = `"${ALL_TYPES.join('", "')}"`;
  if (flags.changed.has("type") && type === "") throw new Error(`type is empty: must be one of ${typeList}`);
  if (type !== "" && !ALL_TYPES.includes(type))
    throw new Error(`unknown type: "${type}": must be one of ${typeList}`);
  return { refs: flags.args, format: str(flags, "format"), type, size: bool(flags, "size") };
}

export const command: CommandModule = {
  usage: "[OPTIONS] NAME|ID [NAME|ID...]",
  short: "Return low-level information on Docker objects",
  flags: inspectFlags,
  args: { kind: "min", n: 1 },
  run(ctx) {
    const o = toInspectOptions(ctx.flags);
    const client = ctx.client();
    // docker's order; swarm objects never exist (kapsel is not a swarm manager)
    let networks: NetworksApi | undefined;
    const finders: { type: string; sized: boolean; find: (ref: string) => Promise<Inspected> }[] = [
      {
        type: "container",
        sized: true,
        find: async (ref) => {
          const found = await client.containers.inspectRaw(ref, { size: o.size });
          return { ...found, typed: typedContainer(found.value) };
        },
      },
      {
        type: "image",
        sized: false,
        find: async (ref) => {
          const found = await client.images.inspectRaw(ref);
          return { ...found, typed: typedImage(found.value) };
        },
      },
      {
        type: "network",
        sized: false,
        find: async (ref) => {
          networks ??= networksApi(client);
          const found = await networks.inspectRaw(ref);
          return { ...found, typed: typedNetwork(found.value) };
        },
      },
      {
        type: "volume",
        sized: false,
        // unlike `volume inspect`, docker's inspect has the raw JSON to fall back to
        find: async (ref) => {
          const v = await client.volumes.inspect(ref);
          return { ...inspectedVolume(v), value: v };
        },
      },
    ];
    const done = inspectAll(
      o.refs,
      o.format,
      async (ref) => {
        for (const f of finders) {
          if (o.type !== "" && f.type !== o.type) continue;
          try {
            const found = await f.find(ref);
            if (o.size && !f.sized) ctx.stdio.stderr.write(`WARNING: --size ignored for ${f.type}\n`);
            return found;
          } catch (err) {
            if (o.type === "" && skippable(err)) continue;
            throw err;
          }
        }
        throw new Error(`Error: No such object: ${ref}`);
      },
      ctx.stdio,
    );
    return done.finally(() => networks?.close());
  },
};

function skippable(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : "";
  return isNotFound(err) || msg.includes("not supported") || msg.includes("invalid reference format");
}
