/**
 * Go's path functions (Unix filepath), and go-archive's rules for the trailing "/" and "/." that
 * say "a directory" or "its contents": docker cp, the archive endpoints and .dockerignore
 * compute names exactly as Docker does with them.
 */

/** Go's filepath.Clean. */
export function goClean(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/** Go's filepath.Dir: everything before the last slash, cleaned. */
export function goDir(path: string): string {
  const i = path.lastIndexOf("/");
  return goClean(path.slice(0, i + 1));
}

/** Go's filepath.Base: the last element, trailing slashes dropped; "." for "", "/" for slashes. */
export function goBase(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Go's filepath.Join: the non-empty elements joined and cleaned. */
export function goJoin(...elems: string[]): string {
  const parts = elems.filter((e) => e !== "");
  return parts.length === 0 ? "" : goClean(parts.join("/"));
}

/** Go's filepath.Rel for two absolute (or two relative) cleaned paths. */
export function goRel(base: string, target: string): string {
  const b = goClean(base);
  const t = goClean(target);
  if (b === t) return ".";
  const bs = b === "/" ? [""] : b.split("/");
  const ts = t === "/" ? [""] : t.split("/");
  let i = 0;
  while (i < bs.length && i < ts.length && bs[i] === ts[i]) i++;
  const up = bs.slice(i).map(() => "..");
  const rest = ts.slice(i);
  return [...up, ...rest].filter((p) => p !== "").join("/") || ".";
}

export function hasTrailingSeparator(path: string): boolean {
  return path.endsWith("/");
}

/** The last element is "." (Go: filepath.Base(path) == "."). */
export function specifiesCurrentDir(path: string): boolean {
  return goBase(path) === ".";
}

/** The path says "a directory": it ends in "/" or "/.". */
export function assertsDirectory(path: string): boolean {
  return hasTrailingSeparator(path) || specifiesCurrentDir(path);
}

/** go-archive's PreserveTrailingDotOrSeparator: puts back the "/." or "/" that cleaning removed. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(out)) out += "/";
    out += ".";
  }
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += "/";
  return out;
}
