/**
 * openclaw-groupchat as someone without a clone gets it: `npm pack` of this repository,
 * the tarball installed into a project of its own (OpenClaw's runtime skipped), and the
 * installed command run from there, away from the repository and its src/.
 *
 * Nothing here reaches the network. npm resolves a tarball's dependencies from the
 * registry's metadata, which a cache filled by `npm ci` does not hold, so the project gets a
 * lockfile made from the repository's own: the versions this repo pins and tests, each a
 * tarball the cache has. better-sqlite3's install script fetches a prebuilt binary, or else
 * compiles SQLite (minutes): it is handed the repository's own build as its "local prebuild".
 */
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { buildIsCurrent } from "../../scripts/build-state.mjs";
import { ROOT, stop } from "../support/cli.ts";
import { request } from "../support/hub.ts";
import { ensureWebBuilt } from "../web/support/build.ts";

const run = promisify(execFile);
const PACKAGE = "openclaw-groupchat";

interface Packed { filename: string; files: { path: string }[] }

/** The project's package-lock.json: the tarball, and every package the repository's lockfile installs outside dev. */
function projectLock(tarball: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean } & Record<string, unknown>> };
  const self = lock.packages[""]!;
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    "": { name: "uses-groupchat", dependencies: { [PACKAGE]: spec } },
    [`node_modules/${PACKAGE}`]: {
      version: self.version, resolved: spec, integrity: `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`,
      license: self.license, dependencies: self.dependencies, bin: self.bin, engines: self.engines, hasInstallScript: true,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path.startsWith("node_modules/") && !entry.dev) packages[path] = entry;
  return { name: "uses-groupchat", lockfileVersion: 3, requires: true, packages };
}

/** better-sqlite3's compiled binding, as prebuild-install's download would bring it, in a directory of its own. */
function localPrebuild(dir: string): Promise<unknown> {
  const sqliteDir = dirname(createRequire(join(ROOT, "package.json")).resolve("better-sqlite3/package.json"));
  const { version } = JSON.parse(readFileSync(join(sqliteDir, "package.json"), "utf8")) as { version: string };
  mkdirSync(dir);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  return run("tar", ["czf", join(dir, name), "-C", sqliteDir, "build/Release/better_sqlite3.node"]);
}

/** The environment a person's shell gives the command: no npm_* variables (npm did not start it), `bin` first on PATH. */
function shellEnv(bin?: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("npm_")));
  return bin ? { ...env, PATH: `${bin}${delimiter}${env.PATH ?? ""}` } : env;
}

/** Resolves with a started hub's base URL, and what it printed, once it printed its agent URLs (`start` indents them). */
function served(child: ChildProcess): Promise<{ baseUrl: string; output: string }> {
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const convex = /GROUPCHAT_CONVEX_URL=(\S+)/.exec(output);
      if (convex) resolve({ baseUrl: convex[1]!, output });
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`hub exited (${code}) before listening:\n${output}`)));
  });
}

/** Runs `words` (a command the hub printed) in `cwd`, and redeems the sign-in link it prints on `baseUrl`. */
async function signInWith(words: string[], cwd: string, env: NodeJS.ProcessEnv, baseUrl: string): Promise<number> {
  const { stdout } = await run(words[0]!, [...words.slice(1), "--json"], { cwd, env, timeout: 60_000, killSignal: "SIGKILL" });
  const link = JSON.parse(stdout) as { url: string; code: string };
  assert.equal(new URL(link.url).origin, baseUrl);
  const res = await request(`${baseUrl}/api/v1/session`, {
    method: "POST", headers: { "content-type": "application/json", "x-groupchat-csrf": "1" }, body: JSON.stringify({ code: link.code }),
  });
  return res.status;
}

describe("openclaw-groupchat installed from its npm pack tarball, outside the repository", () => {
  const dir = mkdtempSync(join(tmpdir(), "gc-package-"));
  const project = join(dir, "project");
  const bin = join(project, "node_modules", ".bin");
  const installed = join(project, "node_modules", PACKAGE);
  let packed: Packed;
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    // Packing builds first (prepare) from a clean clone; here it packs the build the suite runs on: rebuilding
    // dist/node would pull it from under the other files' CLI tests.
    ensureWebBuilt();
    assert.ok(buildIsCurrent(ROOT), "dist/node is older than src/: npm run build first (the tarball holds dist/)");
    const pack = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT, timeout: 120_000 });
    packed = (JSON.parse(pack.stdout) as Packed[])[0]!;
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-groupchat", private: true, dependencies: { [PACKAGE]: `file:${join(dir, packed.filename)}` } }));
    writeFileSync(join(project, "package-lock.json"), JSON.stringify(projectLock(join(dir, packed.filename))));
    await localPrebuild(join(dir, "prebuilds"));
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund"], {
      cwd: project, timeout: 300_000,
      env: { ...process.env, OPENCLAW_GROUPCHAT_SKIP_RUNTIME: "1", npm_config_better_sqlite3_local_prebuilds: join(dir, "prebuilds") },
    });
  });

  it("the tarball holds the compiled CLI, its migrations and the web UI, and no source, tests, benchmarks or screenshots", () => {
    const paths = packed.files.map((file) => file.path);
    for (const path of ["bin/openclaw-groupchat.mjs", "dist/node/cli/main.js", "dist/node/BUILD", "dist/web/index.html", "scripts/install-openclaw.mjs", "runtime/openclaw/package-lock.json"]) {
      assert.ok(paths.includes(path), path);
    }
    assert.ok(paths.some((path) => /^dist\/node\/hub\/db\/migrations\/sqlite\/0001_.*\.sql$/.test(path)), "the SQLite migrations");
    assert.deepEqual(paths.filter((path) => /^(src|test|bench|docs|\.data|node_modules)\//.test(path) || path.endsWith(".map")), []);
    assert.ok(!existsSync(join(installed, "src")), "installed without src/");
  });

  it("from a global-style bin on the PATH: hub init, the hub serving the agent API and the web UI, a sign-in command naming the plain command, which prints a working link, and hub backup's restore line", async () => {
    const data = join(dir, "data-global");
    const env = shellEnv(bin);
    const init = await run(PACKAGE, ["hub", "init", "--data", data, "--json"], { cwd: dir, env, timeout: 60_000 });
    const creds = JSON.parse(init.stdout) as { agentToken: string; agentId: string };
    const child = spawn(PACKAGE, ["hub", "--data", data, "--port", "0", "--log-level", "silent"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const { baseUrl } = await served(child);
      const me = await request(`${baseUrl}/api/v1/agent/me`, { headers: { authorization: `Bearer ${creds.agentToken}` } });
      assert.deepEqual([me.status, me.body.id], [200, creds.agentId]);

      const page = await request(`${baseUrl}/`, {});
      assert.equal(page.status, 200);
      const assets = [...String(page.body).matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
      assert.ok(assets.some((path) => path.endsWith(".js")) && assets.some((path) => path.endsWith(".css")), String(page.body));
      for (const path of assets) assert.equal((await fetch(`${baseUrl}${path}`)).status, 200, path);

      const help = await request(`${baseUrl}/api/v1/session/sign-in-help`, {});
      assert.deepEqual(help.body, { command: `${PACKAGE} hub login --data ${data} --port ${new URL(baseUrl).port}`, cli: PACKAGE });
      assert.equal(await signInWith(help.body.command.split(" "), dir, env, baseUrl), 200);

      const backup = await run(PACKAGE, ["hub", "backup", "--data", data, "--out", `${data}-copy`], { cwd: dir, env, timeout: 60_000 });
      assert.match(backup.stdout, new RegExp(`^To restore, serve the copy: ${PACKAGE} hub --data ${data}-copy$`, "m"));
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it("from the project's node_modules/.bin, off the PATH: start serves the hub without OpenClaw installed, and its sign-in command and hub backup's restore line name npx, which runs this copy", async () => {
    const data = join(dir, "data-project");
    const env = shellEnv();
    const child = spawn(join(bin, PACKAGE), ["start", "--data", data, "--port", "0", "--log-level", "silent"], { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const { baseUrl, output } = await served(child);
      assert.match(output, /OpenClaw is not installed under runtime\/ \(npm install puts it there, unless OPENCLAW_GROUPCHAT_SKIP_RUNTIME=1\), so the bridge is off/);
      const help = await request(`${baseUrl}/api/v1/session/sign-in-help`, {});
      assert.deepEqual(help.body, { command: `npx ${PACKAGE} hub login --data ${data} --port ${new URL(baseUrl).port}`, cli: `npx ${PACKAGE}` });
      assert.equal(await signInWith(["npx", "--offline", ...help.body.command.split(" ").slice(1)], project, env, baseUrl), 200);

      const backup = await run(join(bin, PACKAGE), ["hub", "backup", "--data", data, "--out", `${data}-copy`], { cwd: project, env, timeout: 60_000 });
      assert.match(backup.stdout, new RegExp(`^To restore, serve the copy: npx ${PACKAGE} hub --data ${data}-copy$`, "m"));
    } finally {
      assert.equal(await stop(child), 0);
    }
  });
});
