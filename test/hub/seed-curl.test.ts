/**
 * The seed's documented commands, run exactly as written (the real `curl`
 * through `sh`, with the two env vars the seed sets) against a real listening
 * hub; and the seed's TypeScript `processRun` against it, unchanged.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createTask, delegateTo } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

const exec = promisify(execFile);

// Copied from openclaw-agent-integration.txt; RUN_ID is the seed's placeholder.
const SEED = {
  listPending: `curl -u $GROUPCHAT_AGENT_TOKEN: \\
"$GROUPCHAT_API_URL/runs?status=PENDING"`,
  start: `curl -u $GROUPCHAT_AGENT_TOKEN: \\
-X POST -H "Content-Type: application/json" \\
-d '{"body": "Starting work on this now."}' \\
"$GROUPCHAT_API_URL/runs/RUN_ID/start"`,
  detail: `curl -u $GROUPCHAT_AGENT_TOKEN: \\
"$GROUPCHAT_API_URL/runs/RUN_ID"`,
  comment: `curl -u $GROUPCHAT_AGENT_TOKEN: \\
-X POST -H "Content-Type: application/json" \\
-d '{"body": "Found the issue. Working on a fix now."}' \\
"$GROUPCHAT_API_URL/runs/RUN_ID/comment"`,
  complete: `curl -u $GROUPCHAT_AGENT_TOKEN: \\
-X POST -H "Content-Type: application/json" \\
-d '{"body": "Done! All changes pushed and tests passing."}' \\
"$GROUPCHAT_API_URL/runs/RUN_ID/complete"`,
  error: `curl -u $GROUPCHAT_AGENT_TOKEN: \\
-X POST -H "Content-Type: application/json" \\
-d '{"body": "Build failed: missing dependency xyz"}' \\
"$GROUPCHAT_API_URL/runs/RUN_ID/error"`,
};

describe("the seed's documented commands", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  /** Runs one of the seed's command lines in a shell with the seed's env vars; answers curl's JSON output. */
  async function seed(command: string, runId = "") {
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", GROUPCHAT_AGENT_TOKEN: t.creds.agentToken, GROUPCHAT_API_URL: t.apiUrl };
    const { stdout } = await exec("sh", ["-c", command.replaceAll("RUN_ID", runId)], { env, timeout: 30_000 });
    return JSON.parse(stdout);
  }

  it("polls, starts, reads, comments on and completes a run, and reports an error on another, with curl as written", async () => {
    const fix = await createTask(t, { title: "Fix the login bug", description: "It crashes on submit" });
    const build = await createTask(t, { title: "Upgrade the build" });
    const first = await delegateTo(t, fix.id);
    const second = await delegateTo(t, build.id);

    const pending = await seed(SEED.listPending);
    assert.deepEqual(pending.map((r: { id: string }) => r.id), [first.id, second.id]);
    assert.deepEqual([pending[0].taskTitle, pending[0].prompt], ["Fix the login bug", "Fix the login bug\n\nIt crashes on submit"]);
    assert.equal(pending[0].owner.id, t.creds.ownerId);

    const started = await seed(SEED.start, first.id);
    assert.deepEqual([started.id, started.status], [first.id, "RUNNING"]);
    assert.deepEqual((await seed(SEED.listPending)).map((r: { id: string }) => r.id), [second.id]);

    const detail = await seed(SEED.detail, first.id);
    assert.equal(detail.prompt, "Fix the login bug\n\nIt crashes on submit");
    assert.equal(detail.lastFollowUpMessage, null);
    assert.deepEqual([detail.task.id, detail.task.title, detail.task.status], [fix.id, "Fix the login bug", "doing"]);
    assert.equal(detail.owner.id, t.creds.ownerId);
    assert.ok(detail.activity.some((a: { body: string }) => a.body === "Starting work on this now."));

    const comment = await seed(SEED.comment, first.id);
    assert.deepEqual([comment.type, comment.body, comment.runId], ["comment", "Found the issue. Working on a fix now.", first.id]);

    const done = await seed(SEED.complete, first.id);
    assert.deepEqual([done.id, done.status], [first.id, "FINISHED"]);

    assert.equal((await seed(SEED.start, second.id)).status, "RUNNING");
    const failed = await seed(SEED.error, second.id);
    assert.deepEqual([failed.id, failed.status], [second.id, "ERROR"]);

    // A second start is refused the documented way, and the owner heard about everything.
    assert.deepEqual(await seed(SEED.start, first.id), { error: "Cannot start a run that is FINISHED", status: "FINISHED" });
    const notes = await t.owner(t.creds.ownerToken, "GET", "/notifications?unread=true");
    assert.deepEqual(notes.body.map((n: { type: string; body: string }) => [n.type, n.body]), [
      ["run_error", "Build failed: missing dependency xyz"],
      ["run_started", "Starting work on this now."],
      ["run_finished", "Done! All changes pushed and tests passing."],
      ["run_comment", "Found the issue. Working on a fix now."],
      ["run_started", "Starting work on this now."],
    ]);
  });

  it("answers curl without a token with 401 and a JSON error", async () => {
    const { stdout } = await exec("curl", ["-s", "-w", "\n%{http_code}", `${t.apiUrl}/runs?status=PENDING`], { timeout: 30_000 });
    const [body, code] = stdout.split("\n");
    assert.equal(code, "401");
    assert.deepEqual(JSON.parse(body!), { error: "Invalid or missing token" });
  });

  it("runs the seed's TypeScript processRun (its REST calls, unchanged) through a follow-up", async () => {
    const TOKEN = t.creds.agentToken;
    const BASE = t.apiUrl;
    const headers = {
      Authorization: `Basic ${btoa(TOKEN + ":")}`,
      "Content-Type": "application/json",
    };
    const processing = new Set<string>();
    const seen: Array<{ prompt: string; lastFollowUpMessage: string | null }> = [];
    // The seed's function, with `detail` kept for the assertions below.
    async function processRun(run: { id: string; prompt: string; taskTitle: string }) {
      if (processing.has(run.id)) return;
      processing.add(run.id);
      try {
        await fetch(`${BASE}/runs/${run.id}/start`, { method: "POST", headers, body: JSON.stringify({ body: "Starting work on this now." }) });
        const detail = await fetch(`${BASE}/runs/${run.id}`, { headers }).then((r) => r.json());
        seen.push(detail);
        await fetch(`${BASE}/runs/${run.id}/comment`, { method: "POST", headers, body: JSON.stringify({ body: "Analyzing the task..." }) });
        await fetch(`${BASE}/runs/${run.id}/complete`, { method: "POST", headers, body: JSON.stringify({ body: "Done! Here are the results..." }) });
      } catch (err) {
        await fetch(`${BASE}/runs/${run.id}/error`, { method: "POST", headers, body: JSON.stringify({ body: `Error: ${err}` }) });
      } finally {
        processing.delete(run.id);
      }
    }
    const poll = async () => {
      const runs = await fetch(`${BASE}/runs?status=PENDING`, { headers }).then((r) => r.json());
      for (const run of runs) await processRun(run);
      return runs.length;
    };

    const task = await createTask(t, { title: "Write the changelog" });
    const first = await delegateTo(t, task.id);
    assert.equal(await poll(), 1);
    const follow = await t.owner(t.creds.ownerToken, "POST", `/runs/${first.id}/follow-up`, { message: "Can you also add tests?" });
    assert.equal(await poll(), 1);
    assert.equal(await poll(), 0);

    assert.deepEqual(seen.map((d) => [d.prompt, d.lastFollowUpMessage]), [["Write the changelog", null], ["Can you also add tests?", "Can you also add tests?"]]);
    const runs = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`)).body.runs;
    assert.deepEqual(runs.map((r: { id: string; status: string }) => [r.id, r.status]), [[first.id, "FINISHED"], [follow.body.id, "FINISHED"]]);
  });
});
