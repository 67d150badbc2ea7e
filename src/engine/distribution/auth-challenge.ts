/**
 * WWW-Authenticate challenges (RFC 7235) as registries send them:
 *   Bearer realm="https://auth.example/token",service="registry.example",scope="repository:x:pull"
 *   Basic realm="Registry Realm"
 * Scheme names are case-insensitive (kept lowercase here); parameter values may be quoted, with
 * backslash escapes, and quoted values may hold commas (scope lists do).
 */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenges(headers: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const header of headers === undefined ? [] : Array.isArray(headers) ? headers : [headers]) {
    let i = 0;
    const s = header;
    const skipSpace = () => {
      while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
    };
    const token = () => {
      const start = i;
      while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z/:]/.test(s[i])) i++;
      return s.slice(start, i);
    };
    while (i < s.length) {
      skipSpace();
      while (s[i] === ",") {
        i++;
        skipSpace();
      }
      const scheme = token().toLowerCase();
      if (!scheme) break;
      const params: Record<string, string> = {};
      for (;;) {
        skipSpace();
        const save = i;
        const name = token().toLowerCase();
        skipSpace();
        if (!name || s[i] !== "=") {
          i = save; // the next challenge's scheme
          break;
        }
        i++;
        skipSpace();
        let value = "";
        if (s[i] === '"') {
          i++;
          while (i < s.length && s[i] !== '"') {
            if (s[i] === "\\" && i + 1 < s.length) i++;
            value += s[i++];
          }
          i++;
        } else value = token();
        params[name] = value;
        skipSpace();
        if (s[i] === ",") i++;
        else break;
      }
      out.push({ scheme, params });
    }
  }
  return out;
}
