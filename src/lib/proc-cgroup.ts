/** One line of /proc/<pid>/cgroup: a hierarchy, its controllers and the process's path in it. */
export interface CgroupMembership {
  /** v1 controllers ("memory", "cpu", "name=systemd", ...); none for the unified hierarchy */
  controllers: string[];
  /** the cgroup v2 (unified) hierarchy: "0::<path>" */
  unified: boolean;
  path: string;
}

/** /proc/<pid>/cgroup's lines ("<id>:<controllers>:<path>"), as cgroups(7) gives them. */
export function parseProcCgroup(text: string): CgroupMembership[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id, controllers = "", ...path] = line.split(":");
      return {
        controllers: controllers === "" ? [] : controllers.split(","),
        unified: id === "0" && controllers === "",
        path: path.join(":"),
      };
    });
}
