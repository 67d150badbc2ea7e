/**
 * containers: container records, names and the lifecycle state machine (create, start, stop,
 * kill, wait, remove, attach, exec, restart policies), top and diff, over storage (rootfs),
 * images, the runtime and the network. Owns
 * <data-root>/containers/<id>/: container.json (the record, with the networks the container
 * joins), hostname, hosts, resolv.conf and <id>-json.log (conmon's k8s-file log); bundle/ (the
 * OCI bundle) only for containers started by an earlier kapseld: the runtime keeps bundles in
 * the exec root now. Exec sessions are kept in memory, as Docker does. Leaves processes to the
 * runtime, filesystems to storage, and addresses, veths, ports and DNS to the network domain:
 * container-network.ts decides when a container is plugged in (start) and out (exit, rm), and
 * writes what the network gave into /etc/hosts and /etc/resolv.conf; legacy links are here.
 */

export { cgroupPathOf } from "./cgroup-path.ts";
export type { NetworkView } from "./container-network.ts";
export {
  ContainerService,
  type ContainerServiceDeps,
  type CreateRequest,
} from "./container-service.ts";
export type { UpdateRequest } from "./container-update.ts";
export { mountPointsOf, type VolumeAccess } from "./container-volumes.ts";
export { type ExecConfig, type ExecRecord, ExecService } from "./exec-service.ts";
export { INIT_LAYER_PATHS, withoutInitLayer } from "./init-layer.ts";
export { type ListOptions, selectContainers } from "./list-filter.ts";
export { checkLogDriver, type LogConfig, logLimits } from "./log-options.ts";
export type {
  ContainerRecord,
  ContainerState,
  ContainerStatus,
  DockerConfig,
  EndpointConfig,
  HostConfig,
} from "./model.ts";
export { ZERO_TIME } from "./model.ts";
export type { MountPoint } from "./mount-points.ts";
export { parseUntil } from "./prune-filter.ts";
export type { WaitCondition, WaitResult } from "./waiters.ts";
