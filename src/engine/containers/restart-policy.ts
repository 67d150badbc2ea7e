import type { HostConfig } from "./model.ts";

/**
 * Docker's restart policies (moby's restartmanager): whether a container that exited is
 * started again, and after how long. A container stopped by the user is never restarted;
 * that check is the caller's.
 */
export function shouldRestart(
  policy: HostConfig["RestartPolicy"],
  exitCode: number,
  restartCount: number,
): boolean {
  switch (policy?.Name) {
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure": {
      const max = policy.MaximumRetryCount ?? 0;
      return exitCode !== 0 && (max === 0 || restartCount < max);
    }
    default:
      return false;
  }
}

/** The next wait: 100 ms, doubling up to a minute; a run of 10 s or more starts it over. */
export function nextBackoff(lastMs: number, ranMs: number): number {
  const last = ranMs >= 10_000 ? 0 : lastMs;
  return last === 0 ? 100 : Math.min(last * 2, 60_000);
}
