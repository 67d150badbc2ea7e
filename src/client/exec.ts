import type { HijackedConnection, Transport } from "./transport.ts";
import type { ExecConfig, ExecInspectResponse, ExecStartConfig, IdResponse } from "./types.ts";

const enc = encodeURIComponent;

/** The exec endpoints: create an exec instance in a running container, then start or attach it. */
export function execApi(t: Transport) {
  return {
    create: (container: string, config: ExecConfig) =>
      t.json<IdResponse>({ method: "POST", path: `/containers/${enc(container)}/exec`, body: config }),

    /** Starts without attaching (Docker's `exec -d`). */
    startDetached: (id: string, config: ExecStartConfig = {}) =>
      t.call({ method: "POST", path: `/exec/${enc(id)}/start`, body: { ...config, Detach: true } }),

    /** Starts and hijacks the connection: output multiplexed unless `Tty`. */
    attach: (id: string, config: ExecStartConfig = {}): Promise<HijackedConnection> =>
      t.hijack({ method: "POST", path: `/exec/${enc(id)}/start`, body: { ...config, Detach: false } }),

    resize: (id: string, height: number, width: number) =>
      t.call({ method: "POST", path: `/exec/${enc(id)}/resize`, query: { h: height, w: width } }),

    inspect: (id: string) => t.json<ExecInspectResponse>({ method: "GET", path: `/exec/${enc(id)}/json` }),
  };
}

export type ExecApi = ReturnType<typeof execApi>;
