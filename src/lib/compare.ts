/**
 * Orders strings as Go's `<` does (by code unit; the same as by byte for ASCII). Docker sorts
 * names this way. `localeCompare` would not match it, and it loads ICU's collation data: about
 * 3 MB of the daemon's resident memory, for a sort of names.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
