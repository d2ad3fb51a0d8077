/**
 * A hub killed with SIGKILL in the middle of a load keeps every write it
 * acknowledged, and a client that retries what it never heard back about (with
 * its Idempotency-Key, as our SDK does) ends with each write stored exactly once.
 * The hub runs as users run it: the CLI in a child process, on a real SQLite file.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { serve, spawnHub } from "../support/cli.ts";
import { request, type Res } from "../support/hub.ts";

/** Starts `hub` on `data` and resolves with its base URL once it listens. */
async function startHub(data: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawnHub(data);
  return { child, baseUrl: (await serve(child)).convexUrl };
}

describe("a hub killed mid-load", () => {
  const data = mkdtempSync(join(tmpdir(), "gc-crash-"));
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
    }
    rmSync(data, { recursive: true, force: true });
  });

  it("keeps every write it acknowledged; retried with their keys, the rest land exactly once", async () => {
    const first = await startHub(data);
    children.push(first.child);
    const creds = JSON.parse(readFileSync(join(data, "credentials.json"), "utf8"));
    let baseUrl = first.baseUrl;
    const post = (path: string, auth: string, body: unknown, key: string): Promise<Res> => request(`${baseUrl}/api/v1${path}`, {
      method: "POST", headers: { authorization: auth, "content-type": "application/json", "idempotency-key": key }, body: JSON.stringify(body),
    });
    const owner = `Bearer ${creds.ownerToken}`;
    const keyOf = (body: string) => body.replaceAll(" ", "-");
    const agent = `Basic ${Buffer.from(`${creds.agentToken}:`).toString("base64")}`;

    const task = await post("/tasks", owner, { projectId: creds.projectId, title: "Survive a crash" }, "task");
    const run = await post(`/tasks/${task.body.id}/delegate`, owner, { agentId: creds.agentId }, "delegate");
    assert.equal((await post(`/agent/runs/${run.body.id}/start`, agent, { body: "On it" }, "start")).status, 200);

    // Loops post numbered comments until the hub is gone; each remembers what it heard.
    const acknowledged = new Set<string>();
    const unanswered = new Set<string>();
    const refused: string[] = [];
    let killed = false;
    const loops = Array.from({ length: 64 }, async (_, loop) => {
      for (let i = 0; !killed; i++) {
        const body = `comment ${loop}-${i}`;
        try {
          const res = await post(`/agent/runs/${run.body.id}/comment`, agent, { body }, keyOf(body));
          if (res.status === 201) acknowledged.add(body);
          else refused.push(`${body}: ${res.status} ${JSON.stringify(res.body)}`);
        } catch {
          // The connection broke: the client cannot know whether the hub stored it.
          unanswered.add(body);
        }
      }
    });
    // Kill it once it is well into the load (a count, not a time: the machine's speed does not matter).
    while (acknowledged.size < 300 && refused.length === 0) await new Promise((r) => setTimeout(r, 5));
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    killed = true;
    await Promise.all(loops);
    assert.deepEqual(refused, [], "no call was refused: each was answered 201 or not at all");

    const second = await startHub(data);
    children.push(second.child);
    baseUrl = second.baseUrl;
    const feed = async () => {
      const detail = await request(`${baseUrl}/api/v1/runs/${run.body.id}`, { headers: { authorization: owner } });
      assert.equal(detail.status, 200);
      assert.equal(detail.body.status, "RUNNING");
      return (detail.body.activity as { type: string; body: string }[]).filter((a) => a.type === "comment" && a.body.startsWith("comment ")).map((a) => a.body);
    };
    const count = (bodies: string[]) => bodies.reduce((m, b) => m.set(b, (m.get(b) ?? 0) + 1), new Map<string, number>());

    const afterCrash = count(await feed());
    for (const body of acknowledged) assert.equal(afterCrash.get(body), 1, `acknowledged "${body}" is stored once`);
    for (const [body, n] of afterCrash) assert.ok(n === 1 && (acknowledged.has(body) || unanswered.has(body)), `"${body}" ×${n}`);

    // The client retries what it never heard back about, with the same keys.
    for (const body of unanswered) {
      const res = await post(`/agent/runs/${run.body.id}/comment`, agent, { body }, keyOf(body));
      assert.equal(res.status, 201, `${body}: ${JSON.stringify(res.body)}`);
    }
    const final = count(await feed());
    assert.equal(final.size, acknowledged.size + unanswered.size);
    for (const [body, n] of final) assert.equal(n, 1, `"${body}" ×${n}`);

    // And the run goes on: the agent completes it on the new process.
    assert.equal((await post(`/agent/runs/${run.body.id}/complete`, agent, { body: "Done" }, "complete")).status, 200);
  });
});
