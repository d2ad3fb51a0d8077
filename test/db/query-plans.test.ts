/**
 * Every statement the hub repeats reads its rows through an index, in the index's
 * own order: no scan of a table that grows with the history, no sort of it. Plans
 * are those of an SQLite file with all migrations and no statistics, as the hub runs
 * it (it never runs ANALYZE): SQLite then plans the same on an empty file as on a
 * large one (bench:query-plans shows both, and PostgreSQL's).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SqliteDatabase } from "../../src/hub/db/sqlite.ts";
import { HOT_CALLS, recording, type Fixture, type Recorded } from "../support/hot-statements.ts";

const fixture: Fixture = {
  userId: "usr_1", agentId: "agt_1", workspaceId: "ws_1", projectId: "prj_1", taskId: "task_1", runId: "run_1", notificationId: "ntf_1", uploadIds: ["upl_1", "upl_2"], now: 1e12,
};

/**
 * The tables that grow with the history, or with time between two of their expiry deletes (sessions
 * and sign-in codes, invites, idempotency keys), under the names and aliases the store's SQL gives them.
 */
const BIG = /\bSCAN (tasks|runs|activity|notifications|uploads|owner_tokens|invites|idempotency_keys|t|r|lr|n|up)\b(?! USING INDEX runs_running)/;

/**
 * Calls whose sort or scan is bounded by something other than the history, or that
 * are known and left (bench/RESULTS.md, "Query plans").
 */
const BOUNDED: Record<string, string> = {
  listActivity: "sorts one task's feed",
  listNewestActivity: "sorts one task's feed ids, off its indexes, then the page it keeps",
  listUsersInWorkspace: "sorts one workspace's people", listMembers: "sorts one workspace's people",
  listAgentsOf: "sorts one person's agents", listWorkspacesOf: "sorts one person's workspaces", listProjects: "sorts one workspace's projects",
  "listRunsForOwner ERROR agentId": "sorts one agent's failed runs, which the counts read too",
  "listRunsForOwner STOPPED agentId before": "sorts one agent's stopped runs, a small part of its history",
};

class Rollback extends Error {}

/**
 * The person of the fixture in two workspaces with three projects: the task lists
 * read one range per workspace or project they find (store/task-lists.ts).
 */
const PEOPLE = [
  "INSERT INTO users (id, name, kind, created_at) VALUES ('usr_1', 'Ada', 'user', 0)",
  "INSERT INTO workspaces (id, name, created_by, created_at) VALUES ('ws_1', 'One', 'usr_1', 0), ('ws_2', 'Two', 'usr_1', 0)",
  "INSERT INTO workspace_members (workspace_id, user_id, created_at) VALUES ('ws_1', 'usr_1', 0), ('ws_2', 'usr_1', 0)",
  "INSERT INTO projects (id, workspace_id, name, created_at) VALUES ('prj_1', 'ws_1', 'A', 0), ('prj_2', 'ws_1', 'B', 0), ('prj_3', 'ws_2', 'C', 0)",
];

async function plans(): Promise<{ statement: Recorded; plan: string }[]> {
  const db = new SqliteDatabase(":memory:");
  try {
    await db.transaction(async (tx) => { for (const sql of PEOPLE) await tx.run(sql); });
    const statements: Recorded[] = [];
    for (const call of HOT_CALLS) {
      // Writes too run in a transaction, rolled back: on an empty database most change nothing anyway.
      await db.transaction(async (tx) => {
        await call.call(recording(tx, call, statements), fixture).catch(() => undefined); // a missing parent row refuses an insert
        throw new Rollback();
      }).catch((error: unknown) => { if (!(error instanceof Rollback)) throw error; });
    }
    const seen = new Set<string>();
    const out: { statement: Recorded; plan: string }[] = [];
    for (const statement of statements) {
      if (seen.has(statement.sql)) continue;
      seen.add(statement.sql);
      const rows = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement.sql}`, statement.params);
      out.push({ statement, plan: rows.map((r) => r.detail).join(" | ") });
    }
    return out;
  } finally {
    await db.close();
  }
}

describe("query plans", () => {
  it("reads what the hub repeats off indexes, in their order: no scan or sort of a table that grows with the history", async () => {
    const all = await plans();
    // Every store call was recorded, writes included (the list is the test's reach).
    assert.ok(all.length >= HOT_CALLS.length, `${all.length} statements`);
    // A deletion's statements sort what they delete (a task's, a project's, a workspace's rows): bounded by it.
    const bad = all.filter(({ statement, plan }) =>
      !(statement.call in BOUNDED) && (BIG.test(plan) || (statement.path !== "delete" && /TEMP B-TREE/.test(plan))));
    assert.deepEqual(bad.map(({ statement, plan }) => `${statement.call}: ${statement.sql.replace(/\s+/g, " ")}\n  ${plan}`), []);
  });

  it("reads one agent's runs for the Runs page off the agent's indexes, not a walk of all its creator's runs", async () => {
    const agentCalls = (await plans()).filter(({ statement }) => /^(list|count)RunsForOwner .*agentId/.test(statement.call));
    assert.ok(agentCalls.length >= 5, `${agentCalls.length} statements`);
    const offOwner = agentCalls.filter(({ plan }) => !/USING INDEX runs_agent(_status|_ended)? \(agent_id=\?/.test(plan) || /runs_owner_status/.test(plan));
    assert.deepEqual(offOwner.map(({ statement, plan }) => `${statement.call}: ${plan}`), []);
  });

  it("reads why a page's failed runs failed in one statement, two entries of each one's feed off activity_run", async () => {
    const reasons = (await plans()).filter(({ statement }) => statement.call === "failureReasons page");
    assert.equal(reasons.length, 1, "one statement for three runs");
    assert.match(reasons[0]!.plan, /SEARCH a USING INDEX activity_run \(run_id=\? AND id>\?\)/);
  });

  it("looks up by index the rows a deletion's foreign keys reach (SQLite checks each child table)", async () => {
    const db = new SqliteDatabase(":memory:");
    try {
      // The parents the hub deletes rows of; users and agents are never deleted (an agent is marked so).
      const deleted = new Set(["tasks", "runs", "projects", "workspaces"]);
      const tables = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
      const unindexed: string[] = [];
      for (const { name } of tables) {
        for (const fk of await db.all<{ table: string; from: string }>(`SELECT "table", "from" FROM pragma_foreign_key_list('${name}')`)) {
          if (!deleted.has(fk.table)) continue;
          const plan = (await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT 1 FROM ${name} WHERE ${fk.from} = ?`, ["x"])).map((r) => r.detail).join(" | ");
          if (!/SEARCH/.test(plan)) unindexed.push(`${name}.${fk.from} -> ${fk.table}: ${plan}`);
        }
      }
      assert.deepEqual(unindexed, []);
    } finally {
      await db.close();
    }
  });
});
