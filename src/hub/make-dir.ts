/**
 * Makes a directory the hub writes to (the data dir, a backup's), or says in one line what is in the way.
 */
import { mkdirSync } from "node:fs";
import { HubStartError } from "./errors.ts";

/** `what` names the directory for the user ("the data dir"); `flag`, the option that chooses it. */
export function makeDir(dir: string, what: string, flag: string, mode?: number): void {
  try {
    mkdirSync(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new HubStartError(`Cannot use ${dir} as ${what}: it, or a directory above it, is a file (${code}). Pass ${flag} a directory (a new one is made).`, { cause: error });
    }
    // A read-only file system can say ENOENT here (Node's recursive mkdir), so the code is shown, not explained.
    throw new HubStartError(`Cannot create ${what} ${dir} (${code ?? (error as Error).message}). Check that the directory above it exists and is writable by this user, or pass another ${flag}.`, { cause: error });
  }
}
