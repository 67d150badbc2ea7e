import type { Change } from "../storage/index.ts";

/**
 * What Docker keeps in a container's init layer, between the image and the container's own
 * layer: mount points for the files the engine provides and /.dockerenv. Docker's diff never
 * lists them; kapsel has no init layer (runc makes the mount points in the container's layer),
 * so they are left out of the changes here. From moby's daemon/initlayer/setup_unix.go.
 */
export const INIT_LAYER_PATHS = new Set([
  "/dev/pts",
  "/dev/shm",
  "/proc",
  "/sys",
  "/.dockerenv",
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/hostname",
  "/dev/console",
  "/etc/mtab",
]);

/**
 * The changes without the init layer's paths, and without a directory marked changed only
 * because one of those paths was made inside it (the "C /etc" of a container that wrote nothing).
 */
export function withoutInitLayer(changes: Change[]): Change[] {
  const hidden = changes.filter((c) => INIT_LAYER_PATHS.has(c.Path));
  const kept = changes.filter((c) => !INIT_LAYER_PATHS.has(c.Path));
  const under = (dir: string, path: string) => path.startsWith(`${dir}/`);
  return kept.filter(
    (c) =>
      c.Kind !== 0 ||
      !hidden.some((h) => under(c.Path, h.Path)) ||
      kept.some((k) => k !== c && under(c.Path, k.Path)),
  );
}
