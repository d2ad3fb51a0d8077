/**
 * Writes on the calling thread (`--writer local`, the one-shot commands): the
 * same commands and answers as the writer thread, and the same load shedding.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ChangeFeed, type ChangeSet } from "../../src/hub/changes.ts";
import { SqliteDatabase } from "../../src/hub/db/sqlite.ts";
import { HubError } from "../../src/hub/errors.ts";
import { agentFromToken } from "../../src/hub/http/auth.ts";
import type { AgentPrincipal } from "../../src/hub/principal.ts";
import type { Credentials } from "../../src/hub/setup.ts";
import { LocalWriter } from "../../src/hub/writer/local.ts";
import { tempDir } from "../support/temp.ts";

describe("writes on the calling thread", () => {
  let db: SqliteDatabase;
  let writer: LocalWriter;
  let creds: Credentials;
  let agent: AgentPrincipal;
  const heard: ChangeSet[] = [];
  before(async () => {
    db = new SqliteDatabase(join(tempDir("gc-local-"), "hub.sqlite"));
    const feed = new ChangeFeed();
    feed.subscribe((changes) => heard.push(changes));
    writer = new LocalWriter(db, feed, { maxPending: 3 });
    creds = await writer.run("setUp", { ownerName: "Ada" });
    agent = await agentFromToken(db, creds.agentToken);
  });
  after(() => db.close());

  const runningRun = async () => {
    const user = { kind: "user" as const, userId: creds.ownerId, name: "Ada" };
    const task = await writer.run("createTask", { user, task: { projectId: creds.projectId, title: "Tidy the docs" } });
    const run = await writer.run("delegate", { user, taskId: task.id, agentId: creds.agentId });
    await writer.run("startRun", { agent, runId: run.id });
    return run.id;
  };

  it("answers a command with its result and tells subscribers what changed", async () => {
    heard.length = 0;
    const runId = await runningRun();
    const comment = await writer.run("commentOnRun", { agent, runId, body: "Halfway there" });
    assert.equal(comment.body, "Halfway there");
    assert.ok(heard.some((changes) => changes.agents.has(creds.agentId)), "the delegation reached the change feed");
  });

  it("sheds load past its limit: calls beyond it at once are refused with a 503 and write nothing", async () => {
    const runId = await runningRun();
    const answers = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => writer.run("commentOnRun", { agent, runId, body: `burst ${i}` })),
    );
    const refused = answers.filter((a) => a.status === "rejected");
    assert.equal(answers.length - refused.length, 3, "three may be held at once");
    for (const r of refused) {
      const error = (r as PromiseRejectedResult).reason;
      assert.ok(error instanceof HubError && error.status === 503 && error.retryAfterSeconds === 1, String(error));
    }
    const stored = await db.all<{ body: string }>("SELECT body FROM activity WHERE run_id = ? AND body LIKE 'burst %'", [runId]);
    assert.equal(stored.length, 3);
    // Once they are answered, the next calls go through again.
    await writer.run("commentOnRun", { agent, runId, body: "after the burst" });
  });
});
