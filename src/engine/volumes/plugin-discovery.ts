import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { invalid } from "../../lib/errors.ts";

/**
 * Where Docker's v1 (legacy) plugins are found by name (moby pkg/plugins/discovery.go):
 * a unix socket <sockets>/<name>.sock or <sockets>/<name>/<name>.sock, else a spec file
 * <specs>/<name>.spec (one URL: unix:///path or tcp://host:port) or <specs>/<name>.json
 * ({"Name", "Addr", "TLSConfig"}), also inside <specs>/<name>/.
 */
export interface PluginDirs {
  sockets: string[];
  specs: string[];
}

export const DEFAULT_PLUGIN_DIRS: PluginDirs = {
  sockets: ["/run/docker/plugins"],
  specs: ["/etc/docker/plugins", "/usr/lib/docker/plugins"],
};

const paths = (base: string, name: string, ext: string) => [
  join(base, name + ext),
  join(base, name, name + ext),
];

function exists(path: string, socket = false): boolean {
  try {
    const st = statSync(path);
    return socket ? st.isSocket() : true;
  } catch {
    return false;
  }
}

/** The plugin's address as a URL, or undefined when no socket or spec names it. */
export function findPlugin(name: string, dirs: PluginDirs): string | undefined {
  // a name is a file name here; never let it walk out of the plugin folders
  if (name.startsWith("/") || name.split("/").includes("..")) return undefined;
  for (const dir of dirs.sockets)
    for (const p of paths(dir, name, ".sock")) if (exists(p, true)) return `unix://${p}`;
  for (const dir of dirs.specs) {
    for (const p of [...paths(dir, name, ".spec"), ...paths(dir, name, ".json")]) {
      if (!exists(p)) continue;
      const text = readFileSync(p, "utf8");
      if (p.endsWith(".json")) {
        const spec = JSON.parse(text) as { Addr?: string };
        if (!spec.Addr) throw invalid(`plugin spec ${p} has no Addr`);
        return spec.Addr;
      }
      const addr = text.trim();
      if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(addr)) throw invalid("Unknown protocol");
      return addr;
    }
  }
  return undefined;
}
