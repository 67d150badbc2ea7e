/**
 * containers: container records, names and the lifecycle state machine (create, start, stop,
 * kill, wait, remove, attach, exec), over storage (rootfs), images and the runtime. Owns
 * <data-root>/containers/<id>/: container.json (the record), hostname, hosts, resolv.conf,
 * <id>-json.log (conmon's k8s-file log) and bundle/ (the OCI bundle). Exec sessions are kept in
 * memory, as Docker does. Leaves processes to the runtime and filesystems to storage.
 */
export {
  ContainerService,
  type ContainerServiceDeps,
  type CreateRequest,
  parseUntil,
} from "./container-service.ts";
export { type ExecConfig, type ExecRecord, ExecService } from "./exec-service.ts";
export { type ListOptions, selectContainers } from "./list-filter.ts";
export type { ContainerRecord, ContainerState, ContainerStatus, DockerConfig, HostConfig } from "./model.ts";
export { ZERO_TIME } from "./model.ts";
export type { WaitCondition, WaitResult } from "./waiters.ts";
