// The Dockerfile front of `docker build`: parsing a Dockerfile into typed stages (types.ts is the
// contract with the build executor in src/engine/builder/), Docker's variable expansion (BuildKit's
// shell lexer), which instruction fields get expanded, and build checks (lint). Pure functions on
// strings: no files, no images, no state on disk. It does not order or run stages, resolve
// images, or read the context (.dockerignore is src/lib/dockerignore.ts): the executor does.
//
// Fidelity target: moby 28's classic builder, which parses with BuildKit v0.25's parser and
// instruction packages; error messages are theirs word for word.

export type { EnvLookup } from "./expand.ts";
export { envListLookup, expandInstruction, expandWord, expandWords } from "./expand.ts";
export {
  type CheckOptions,
  checkErrors,
  type LintWarning,
  lint,
  lintFailureMessage,
  lintWarningText,
  parseCheckOptions,
} from "./lint.ts";
export { type ParseOptions, parseDockerfile } from "./parse-dockerfile.ts";
export type * from "./types.ts";
