/**
 * Makes a directory the hub or the bridge writes to (the data dir, a backup's, the bridge's state), or says in one
 * line what is in the way.
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { HubStartError } from "./errors.ts";

/**
 * `mkdir -p`, one level at a time. Node's own (`mkdirSync(dir, { recursive: true })`, and the async one) spins
 * forever, deaf to signals, where a directory exists but refuses a new entry with ENOENT (/proc/x): here each
 * level is tried at most twice, so that answers ENOENT. Throws the fs error as Node raised it.
 */
export function makeDirs(dir: string, mode?: number): void {
  const options = mode === undefined ? undefined : { mode };
  try {
    mkdirSync(dir, options);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST" && isDirectory(dir)) return;
    if (code !== "ENOENT" || dirname(dir) === dir) throw error;
    makeDirs(dirname(dir), mode);
    try {
      mkdirSync(dir, options);
    } catch (again) {
      // Made meanwhile by another process: as good.
      if ((again as { code?: string }).code !== "EEXIST" || !isDirectory(dir)) throw again;
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** What a command stops with: the hub's HubStartError, the bridge's BridgeStartError. */
export type StartError = new (message: string, options: { cause: unknown }) => Error;

/** `what` names the directory for the user ("the data dir"); `flag`, the option that chooses it. */
export function makeDir(dir: string, what: string, flag: string, mode?: number, Failure: StartError = HubStartError): void {
  try {
    makeDirs(dir, mode);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new Failure(`Cannot use ${dir} as ${what}: it, or a directory above it, is a file (${code}). Pass ${flag} a directory (a new one is made).`, { cause: error });
    }
    // A read-only file system, or one that makes no directories (/proc), can say ENOENT here, so the code is shown, not explained.
    throw new Failure(`Cannot create ${what} ${dir} (${code ?? (error as Error).message}). Check that the directory above it exists and is writable by this user, or pass another ${flag}.`, { cause: error });
  }
}
