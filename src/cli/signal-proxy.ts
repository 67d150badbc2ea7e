import type { EngineClient } from "../client/index.ts";

/**
 * Signals the CLI passes on to the container (Docker's --sig-proxy). Docker catches every
 * signal; Node cannot catch SIGKILL/SIGSTOP and crashes on faults, and SIGCHLD/SIGPIPE/SIGWINCH
 * are about the CLI itself, so this is the list that makes sense to forward.
 */
const FORWARDED: NodeJS.Signals[] = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGTERM",
  "SIGUSR1",
  "SIGUSR2",
  "SIGALRM",
  "SIGCONT",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
];

/**
 * Forwards received signals to the container with POST /kill?signal=NAME (errors ignored, as
 * Docker only logs them). While installed, those signals no longer end the CLI itself.
 * Returns a function that uninstalls the handlers.
 */
export function proxySignals(client: EngineClient, containerId: string): () => void {
  const handlers = FORWARDED.map((sig) => {
    const handler = () => {
      client.containers.kill(containerId, sig.slice(3)).catch(() => {});
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}
