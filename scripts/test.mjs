// Runs every *.test.ts under test/ with Node's test runner (through tsx), then
// the hub's behaviour suites again with their hubs on PostgreSQL.
// Node 20's runner takes no globs, so the file lists are built here.
import { spawnSync } from "node:child_process";
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
  "test/hub/costs.test.ts",
  "test/hub/deleted-later.test.ts",
  "test/hub/metrics.test.ts",
  "test/hub/owner-api.test.ts",
  "test/hub/owner-auth.test.ts",
  "test/hub/read-races.test.ts",
  "test/hub/run-transitions.test.ts",
  "test/hub/seed-curl.test.ts",
  "test/hub/stale-run-reaper.test.ts",
  "test/hub/task-images.test.ts",
  "test/hub/task-search.test.ts",
  "test/hub/upload-lifecycle.test.ts",
  "test/hub/uploads.test.ts",
  "test/hub/workspace-admin.test.ts",
  "test/realtime/agent-subscriptions.test.ts",
  "test/realtime/restart.test.ts",
  "test/web/invites.test.ts",
  "test/web/live-queries.test.ts",
  "test/web/session.test.ts",
];

function run(files, env = {}) {
  // A test that hangs fails after 10 minutes instead of holding up the whole run. The bound applies to each
  // file as a whole too, and the OpenClaw end-to-end file alone takes 4-5 minutes on this machine.
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=600000", ...files],
    { stdio: "inherit", env: { ...process.env, ...env } },
  );
  return result.status ?? 1;
}

const only = process.argv.slice(2);
if (only.length > 0) process.exit(run(only));
const all = find("test").sort();
const missing = ON_POSTGRES.filter((file) => !all.includes(file));
if (missing.length > 0) {
  console.error(`scripts/test.mjs lists suites that do not exist: ${missing.join(", ")}`);
  process.exit(1);
}
const first = run(all);
console.log("\n# The hub's behaviour suites again, their hubs on PostgreSQL\n");
const second = run(ON_POSTGRES, { GROUPCHAT_TEST_DATABASE: "postgres" });
await sweepSchemas();
process.exit(first || second);

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
