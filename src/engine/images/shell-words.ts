import { invalid } from "../../lib/errors.ts";

/**
 * The word processing of Dockerfile instructions (moby/buildkit's shell lexer, reduced):
 * whitespace splits words; single quotes are literal; double quotes keep spaces and still expand
 * variables; a backslash escapes the next character; $VAR, ${VAR}, ${VAR:-word} and
 * ${VAR:+word} expand from env. Quotes are removed from the result.
 */
export function processWords(input: string, env: Record<string, string>): string[] {
  return lex(input, env, true);
}

/** The same rules for one word: whitespace is kept. */
export function processWord(input: string, env: Record<string, string>): string {
  return lex(input, env, false).join("");
}

function lex(input: string, env: Record<string, string>, split: boolean): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  const expand = (): string => {
    // at input[i] === "$"
    i++;
    if (input[i] === "{") {
      const end = input.indexOf("}", i);
      if (end === -1) throw invalid(`missing '}' in ${JSON.stringify(input)}`);
      const body = input.slice(i + 1, end);
      i = end + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/s.exec(body);
      if (!m) throw invalid(`unsupported modifier in \${${body}}`);
      const value = env[m[1]];
      if (m[2] === "-") return value ? value : processWord(m[3], env);
      if (m[2] === "+") return value ? processWord(m[3], env) : "";
      return value ?? "";
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i));
    if (!m) return "$";
    i += m[0].length;
    return env[m[0]] ?? "";
  };
  while (i < input.length) {
    const c = input[i];
    if (split && /\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "\\") {
      cur += input[i + 1] ?? "";
      i += 2;
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end === -1) throw invalid(`unexpected end of statement while looking for matching single-quote`);
      cur += input.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < input.length && input[i] !== '"') {
        if (input[i] === "\\" && i + 1 < input.length && /["\\$]/.test(input[i + 1])) {
          cur += input[i + 1];
          i += 2;
        } else if (input[i] === "$") cur += expand();
        else cur += input[i++];
      }
      if (i >= input.length)
        throw invalid(`unexpected end of statement while looking for matching double-quote`);
      i++;
    } else if (c === "$") {
      cur += expand();
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
