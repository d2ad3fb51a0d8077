// Whether dist/node (the compiled CLI, scripts/build.mjs) matches the source in src/.
// The check walks src/ and compares modification times (a few ms), so an edit is
// never shadowed by a stale build: the CLI then runs the source through tsx. An
// installed copy (`npm pack`, then `npm install` of the tarball) has dist/ and no
// src/: its build is all there is, so it is current.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export const STAMP = join("dist", "node", "BUILD");

/** The newest modification time (ms) of the files under `dir` that the build reads (the web UI is built apart). */
function newest(dir, skip) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== skip) latest = Math.max(latest, newest(path, skip));
    } else {
      latest = Math.max(latest, statSync(path).mtimeMs);
    }
  }
  return latest;
}

/** True when `root`'s dist/node was built after every change to src/ (the web UI aside), or there is no src/. */
export function buildIsCurrent(root) {
  let built;
  try {
    built = Number(readFileSync(join(root, STAMP), "utf8"));
  } catch {
    return false;
  }
  if (!Number.isFinite(built)) return false;
  return !existsSync(join(root, "src")) || newest(join(root, "src"), join(root, "src", "web")) <= built;
}
