/**
 * How a person runs this copy of the `openclaw-groupchat` command, for the commands the hub
 * and the CLI print (the sign-in page's `hub login`, `start`'s bridge hint):
 *
 * - plain `openclaw-groupchat` when this process is the bin npm linked into a directory on
 *   the user's PATH, the first one there to hold the command (a global install);
 * - else `npx openclaw-groupchat`: a clone (`node bin/openclaw-groupchat.mjs`, `npm start`),
 *   a project's node_modules/.bin, or npm starting it (npx, `npm run`), whose PATH is npm's
 *   and not the user's shell's. npx finds the command in all of those.
 */
import { existsSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";

export const COMMAND = "openclaw-groupchat";
/** The default: it works from a clone and from any install npx can find. */
export const NPX: readonly string[] = ["npx", COMMAND];

/** What the decision reads from the process. */
export interface InvocationFacts {
  /** The script node runs (process.argv[1]): through a bin link, the link's own path. */
  readonly script: string | undefined;
  /** PATH. */
  readonly path: string | undefined;
  /** npm's `npm_command`: set when npm started the process. */
  readonly npmCommand: string | undefined;
  /** Whether a file exists. */
  readonly exists: (file: string) => boolean;
}

/** The words that run this copy: `["openclaw-groupchat"]` or `["npx", "openclaw-groupchat"]`. */
export function invocation(facts: InvocationFacts): readonly string[] {
  if (facts.npmCommand || !facts.script || basename(facts.script) !== COMMAND) return NPX;
  const dirs = (facts.path ?? "").split(delimiter).filter(Boolean).map((dir) => resolve(dir));
  // The first on PATH is what the plain name runs: another copy earlier there would shadow this one.
  return dirs.find((dir) => facts.exists(join(dir, COMMAND))) === dirname(facts.script) ? [COMMAND] : NPX;
}

/** `invocation` for this process. */
export function thisInvocation(): readonly string[] {
  return invocation({ script: process.argv[1], path: process.env.PATH, npmCommand: process.env.npm_command, exists: existsSync });
}
