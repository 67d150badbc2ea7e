/**
 * events: the engine's event bus (Docker's /events). Every domain publishes through `publish`;
 * subscribers get live events, and a bounded in-memory history serves `since`. Like Docker,
 * history does not survive a daemon restart. Nothing on disk.
 */

export type EventType = "container" | "image" | "volume" | "network" | "daemon" | "builder";

export interface EngineEvent {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  time: number;
  timeNano: number;
  // the pre-1.22 fields that old clients still read
  status?: string;
  id?: string;
  from?: string;
}

export interface EventBus {
  publish(type: EventType, action: string, id: string, attributes?: Record<string, string>): EngineEvent;
  /** past events with timeNano in [sinceNano, untilNano] */
  history(sinceNano: bigint, untilNano?: bigint): EngineEvent[];
  subscribe(listener: (e: EngineEvent) => void): () => void;
}

const HISTORY_LIMIT = 1024;

export function createEventBus(
  now: () => bigint = () => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n),
): EventBus {
  const history: EngineEvent[] = [];
  const listeners = new Set<(e: EngineEvent) => void>();
  let last = 0n;
  return {
    publish(type, action, id, attributes = {}) {
      let nano = now();
      if (nano <= last) nano = last + 1n; // strictly increasing, so since/until are exact
      last = nano;
      const event: EngineEvent = {
        Type: type,
        Action: action,
        Actor: { ID: id, Attributes: attributes },
        scope: "local",
        time: Number(nano / 1_000_000_000n),
        timeNano: Number(nano),
      };
      if (type === "container" || type === "image") {
        event.status = action;
        event.id = id;
        if (type === "container" && attributes.image) event.from = attributes.image;
      }
      history.push(event);
      if (history.length > HISTORY_LIMIT) history.shift();
      for (const l of listeners) l(event);
      return event;
    },
    history(sinceNano, untilNano) {
      return history.filter(
        (e) =>
          BigInt(e.timeNano) >= sinceNano && (untilNano === undefined || BigInt(e.timeNano) <= untilNano),
      );
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Docker's event filters: type, event/action, container, image, label, and the like. */
export function matchesEventFilters(e: EngineEvent, filters: Map<string, string[]>): boolean {
  for (const [key, values] of filters) {
    if (values.length === 0) continue;
    const attrs = e.Actor.Attributes;
    const ok = values.some((v) => {
      switch (key) {
        case "type":
          return e.Type === v;
        case "event":
          return e.Action === v || e.Action.split(":")[0] === v;
        case "container":
          return e.Type === "container" && (e.Actor.ID === v || e.Actor.ID.startsWith(v) || attrs.name === v);
        case "image":
          return e.Type === "image"
            ? e.Actor.ID === v || attrs.name === v
            : attrs.image === v || attrs.image === `${v}:latest`;
        case "volume":
        case "network":
          return e.Type === key && (e.Actor.ID === v || attrs.name === v);
        case "daemon":
          return e.Type === "daemon" && e.Actor.ID === v;
        case "label": {
          const eq = v.indexOf("=");
          return eq < 0 ? v in attrs : attrs[v.slice(0, eq)] === v.slice(eq + 1);
        }
        case "scope":
          return v === "local";
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
