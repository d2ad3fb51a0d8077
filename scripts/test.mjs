// Runs every *.test.ts under test/ with Node's test runner (through tsx), and the hub's
// behaviour suites again with their hubs on PostgreSQL: a few files at once, longest first.
// Node 20's runner takes no globs, so the file lists are built here.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return path.endsWith(".test.ts") ? [path] : [];
  });
}

// Suites whose hubs (startTestHub) run on SQLite by default and on PostgreSQL with
// GROUPCHAT_TEST_DATABASE=postgres. Suites that loop over both themselves
// (run-lifecycle, idempotency, concurrent-runs), or test SQLite's own parts, are not here.
const ON_POSTGRES = [
  "test/db/schema.test.ts",
  "test/hub/access.test.ts",
  "test/hub/agent-api.test.ts",
  "test/hub/api-tokens.test.ts",
  "test/hub/arbitrary-requests.test.ts",
  "test/hub/auth.test.ts",
  "test/hub/bad-input.test.ts",
  "test/hub/busy-hub.test.ts",
  "test/hub/comment-edits.test.ts",
  "test/hub/costs.test.ts",
  "test/hub/deleted-later.test.ts",
  "test/hub/follow-up-mentions.test.ts",
  "test/hub/metrics.test.ts",
  "test/hub/owner-api.test.ts",
  "test/hub/owner-auth.test.ts",
  "test/hub/owner-runs.test.ts",
  "test/hub/read-races.test.ts",
  "test/hub/run-transitions.test.ts",
  "test/hub/seed-curl.test.ts",
  "test/hub/stale-run-reaper.test.ts",
  "test/hub/task-images.test.ts",
  "test/hub/task-search.test.ts",
  "test/hub/upload-lifecycle.test.ts",
  "test/hub/webhooks.test.ts",
  "test/hub/uploads.test.ts",
  "test/hub/workspace-admin.test.ts",
  "test/realtime/agent-subscriptions.test.ts",
  "test/realtime/http-client.test.ts",
  "test/realtime/restart.test.ts",
  "test/web/invites.test.ts",
  "test/web/live-queries.test.ts",
  "test/web/session.test.ts",
];

/**
 * The runs that take longest (measured: the OpenClaw end-to-end file 4-10 minutes, the CLI's 2-5), longest
 * first; "… on PostgreSQL" is a file's run in the second pass. They start first: one started late would run
 * on alone at the end while the other slots stand idle. (Node 20's runner sorts the files it is given, so
 * this script hands it one file at a time.)
 */
const LONGEST_FIRST = [
  "test/bridge/openclaw-e2e.test.ts",
  "test/hub/cli.test.ts",
  "test/sdk/worker.test.ts",
  "test/hub/arbitrary-requests.test.ts on PostgreSQL",
  "test/web/ui-resilience.test.ts",
  "test/bridge/bridge.test.ts",
  "test/hub/concurrent-writers.test.ts",
  "test/hub/concurrent-runs.test.ts",
  "test/hub/metrics.test.ts",
  "test/hub/metrics.test.ts on PostgreSQL",
  "test/web/ui.test.ts",
  "test/sdk/worker-proxied.test.ts",
  "test/hub/writer-thread.test.ts",
  "test/hub/owner-api.test.ts on PostgreSQL",
  "test/sdk/readme-example.test.ts",
  "test/hub/backup.test.ts",
  "test/hub/arbitrary-requests.test.ts",
  "test/bridge/cli.test.ts",
  "test/hub/deleted-later.test.ts on PostgreSQL",
];

/** Files whose whole run may take over 10 minutes. */
const SLOW_FILES = ["test/bridge/openclaw-e2e.test.ts"];

/**
 * Files run at once. Much of the suite waits (on child processes, sockets, browsers and timers) rather than
 * computes, so a 2-core machine keeps three busy.
 */
const SLOTS = Number(process.env.GROUPCHAT_TEST_SLOTS ?? 3);

/**
 * One run of the test runner; resolves with its exit status. Its output goes to ours as it comes, or, with
 * `held`, is kept and answered with the status (so runs side by side do not interleave).
 */
function run(files, { env = {}, held = false } = {}) {
  // A test that hangs fails after 10 minutes instead of holding up the whole run. The bound applies to each
  // file as a whole too; the OpenClaw end-to-end file alone takes 4-10 minutes on this machine (over 10 in a
  // loaded CI run), so it gets 20.
  const timeout = files.some((file) => SLOW_FILES.includes(file)) ? 1_200_000 : 600_000;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=2", `--test-timeout=${timeout}`, ...files],
    { stdio: ["ignore", held ? "pipe" : "inherit", held ? "pipe" : "inherit"], env: { ...process.env, ...env } },
  );
  const output = [];
  if (held) for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => output.push(chunk));
  return new Promise((resolve) => {
    child.once("error", (error) => resolve({ status: 1, output: `${error.message}\n` }));
    child.once("close", (code) => resolve({ status: code ?? 1, output: Buffer.concat(output).toString() }));
  });
}

const only = process.argv.slice(2);
if (only.length > 0) process.exit((await run(only)).status);
const all = find("test").sort();
const missing = [...ON_POSTGRES, ...LONGEST_FIRST.map((name) => name.replace(/ on PostgreSQL$/, ""))].filter((file) => !all.includes(file));
if (missing.length > 0) {
  console.error(`scripts/test.mjs lists suites that do not exist: ${missing.join(", ")}`);
  process.exit(1);
}
const jobs = [
  ...all.map((file) => ({ name: file, file, env: {} })),
  ...ON_POSTGRES.map((file) => ({ name: `${file} on PostgreSQL`, file, env: { GROUPCHAT_TEST_DATABASE: "postgres" } })),
];
const rank = (job) => (LONGEST_FIRST.includes(job.name) ? LONGEST_FIRST.indexOf(job.name) : LONGEST_FIRST.length);
const queue = [...jobs].sort((a, b) => rank(a) - rank(b));
const failed = [];
// Each run's own summary ("# pass N"…), added up for the closing line.
const totals = { tests: 0, pass: 0, fail: 0, skipped: 0 };
const started = performance.now();
await Promise.all(Array.from({ length: SLOTS }, async () => {
  for (let job = queue.shift(); job; job = queue.shift()) {
    const began = performance.now();
    const { status, output } = await run([job.file], { env: job.env, held: true });
    if (status !== 0) failed.push(job.name);
    for (const key of Object.keys(totals)) totals[key] += Number(new RegExp(`^# ${key} (\\d+)$`, "m").exec(output)?.[1] ?? 0);
    const seconds = ((performance.now() - began) / 1000).toFixed(1);
    process.stdout.write(`\n# ${job.name}: ${status === 0 ? "ok" : `FAILED (exit ${status})`} in ${seconds} s\n${output}`);
  }
}));
const counted = Object.entries(totals).map(([key, n]) => `${n} ${key}`).join(", ");
console.log(`\n# ${jobs.length} runs in ${((performance.now() - started) / 1000).toFixed(0)} s (${counted}); ${failed.length ? `FAILED: ${failed.join(", ")}` : "all passed"}`);
await sweepSchemas();
process.exit(failed.length > 0 ? 1 : 0);

/**
 * Each test hub on PostgreSQL has a schema `gc_test_<pid>_…`, dropped when it closes. A test
 * process that was killed leaves its schemas behind: drop those whose process is gone.
 */
async function sweepSchemas() {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: process.env.GROUPCHAT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test" });
  try {
    await client.connect();
    const { rows } = await client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gc\\_test\\_%'");
    for (const { nspname } of rows) {
      const pid = Number(/^gc_test_(\d+)_/.exec(nspname)?.[1]);
      if (pid && alive(pid)) continue;
      await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
      console.log(`# dropped ${nspname}, left behind by a test process that is gone`);
    }
  } catch (error) {
    console.log(`# could not sweep test schemas: ${error.message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
