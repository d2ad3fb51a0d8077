// Compiles the Node code (src/, without the web UI) to dist/node with tsc and copies
// the files it loads at run time (migrations, the plain-JS worker entries). Run by
// `npm install` (prepare). Without TypeScript (an install that omits dev
// dependencies) it builds nothing, and the CLI runs the source through tsx.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { STAMP } from "./build-state.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "node");
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  console.log("build: TypeScript is not installed; the CLI will run the source through tsx");
  process.exit(0);
}
// Stamped with the time the build started: a file saved while it ran counts as newer.
const started = Date.now();
rmSync(out, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);

function copyAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "web") copyAssets(path);
    } else if (/\.(mjs|sql)$/.test(entry.name)) {
      const target = join(out, relative(join(root, "src"), path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
copyAssets(join(root, "src"));
if (!existsSync(join(out, "cli", "main.js"))) throw new Error("build: tsc wrote no dist/node/cli/main.js");
writeFileSync(join(root, STAMP), String(started));
console.log(`build: compiled src/ to ${relative(root, out)}`);
