// Node's compile cache keeps type-stripped sources and V8 code that the next start runs as its own
// code. Node's default folder, $TMPDIR/node-compile-cache, is one that any local user could create
// and fill first, so kapsel keeps its cache where only its own user can write: /var/cache/kapsel for
// root, the user's cache folder otherwise. NODE_COMPILE_CACHE, when set, is the user's own choice.
// Plain JavaScript: it runs before Node can strip types from anything.
import module from "node:module";

export function enableCompileCache() {
  if (!module.enableCompileCache || process.env.NODE_COMPILE_CACHE) return;
  const dir = process.getuid?.() === 0 ? "/var/cache/kapsel" : userCacheFolder();
  if (dir) module.enableCompileCache(`${dir}/node-compile-cache`);
}

function userCacheFolder() {
  const { XDG_CACHE_HOME, HOME } = process.env;
  if (XDG_CACHE_HOME?.startsWith("/")) return `${XDG_CACHE_HOME}/kapsel`;
  return HOME?.startsWith("/") ? `${HOME}/.cache/kapsel` : undefined;
}
