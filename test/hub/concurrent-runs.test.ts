/**
 * Runs under concurrent calls: generated rounds of owner and agent calls (delegate,
 * start, comment, heartbeat, complete, error, stop, follow-up, and another agent
 * reaching for the run), each round sent all at once. The hub serializes them in
 * some order; the test checks that one order exists in which a model of the
 * spec's lifecycle gives exactly the answers the hub gave (which call succeeded,
 * which got 409 and the status it named) and the state the hub is in afterwards.
 * So no run is started twice, completed after it was stopped, commented on when
 * not RUNNING, or left with two active runs for one agent on one task, whatever
 * the interleaving. After each round, each agent's real-time `pendingRuns` and
 * `stoppedRuns` (the stock convex client, subscribed throughout) come to show
 * exactly the model's runs. At the end every run's feed holds exactly its
 * transitions and comments.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import fc from "fast-check";
import pg from "pg";
import { Recorder, stockClient } from "../realtime/support.ts";
import { assertStatus, createTask, secondAgent } from "../support/api.ts";
import { delegatedRun, startTestHub, BACKENDS, TEST_POSTGRES_URL, type Res, type TestHub } from "../support/hub.ts";

type Status = "PENDING" | "RUNNING" | "FINISHED" | "ERROR" | "STOPPED";
type Transition = "start" | "complete" | "error" | "stop";

/** The lifecycle as the spec (agent-api.md) states it, written out here rather than taken from the hub. */
const NEXT: Record<Transition, Partial<Record<Status, Status>>> = {
  start: { PENDING: "RUNNING" },
  complete: { RUNNING: "FINISHED" },
  error: { PENDING: "ERROR", RUNNING: "ERROR" },
  stop: { PENDING: "STOPPED", RUNNING: "STOPPED" },
};
const active = (status: Status) => status === "PENDING" || status === "RUNNING";

type Action =
  | { kind: "delegate"; task: number; agent: number }
  | { kind: Transition | "comment" | "heartbeat" | "followUp" | "foreign"; run: number };

/** `transitions`: status changes in its feed (its creation counts); `comments`: comments in its feed. */
interface ModelRun { id: string; task: number; agent: number; status: Status; transitions: number; comments: number }
type Model = ModelRun[];

/** One call as it went: the action, which run it was about (if any), and the hub's answer. */
interface Sent { action: Action; run: ModelRun | null; res: Res }

/**
 * Applies `sent` to `model` in this order; null if the model would have answered
 * any of them otherwise than the hub did (its status, or the status a 409 named).
 */
function replay(model: Model, order: Sent[]): Model | null {
  const runs = model.map((r) => ({ ...r }));
  const find = (id: string) => runs.find((r) => r.id === id)!;
  const busy = (task: number, agent: number) => runs.some((r) => r.task === task && r.agent === agent && active(r.status));
  for (const { action, run, res } of order) {
    const current = run ? find(run.id) : null;
    const refusedWith = (status: Status) => res.status === 409 && res.body.status === status;
    switch (action.kind) {
      case "delegate": {
        const ok = !busy(action.task, action.agent);
        if (ok !== (res.status === 201) || (!ok && res.status !== 409)) return null;
        if (ok) runs.push({ id: res.body.id, task: action.task, agent: action.agent, status: "PENDING", transitions: 1, comments: 0 });
        break;
      }
      case "followUp": {
        const ended = !active(current!.status);
        const ok = ended && !busy(current!.task, current!.agent);
        if (ok !== (res.status === 201) || (!ok && res.status !== 409)) return null;
        // Refused because the run is still going: the 409 says where it stands.
        if (!ended && !refusedWith(current!.status)) return null;
        // The follow-up's message is a comment on the new run.
        if (ok) runs.push({ id: res.body.id, task: current!.task, agent: current!.agent, status: "PENDING", transitions: 1, comments: 1 });
        break;
      }
      case "comment":
      case "heartbeat": {
        const ok = current!.status === "RUNNING";
        const success = action.kind === "comment" ? 201 : 200;
        if (ok ? res.status !== success : !refusedWith(current!.status)) return null;
        if (ok && action.kind === "comment") current!.comments++;
        break;
      }
      case "foreign":
        // Another agent's call on this run: never found, whatever its state.
        if (res.status !== 404) return null;
        break;
      default: {
        const to = NEXT[action.kind][current!.status];
        if (to ? res.status !== 200 || res.body.status !== to : !refusedWith(current!.status)) return null;
        if (to) {
          current!.status = to;
          current!.transitions++;
          // The agent's calls carry a body (posted as a comment); the owner's stop does not.
          if (action.kind !== "stop") current!.comments++;
        }
      }
    }
  }
  return runs;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

type Listed = { id: string; taskId: string }[];

for (const backend of BACKENDS) describe(`runs under concurrent calls (${backend.label})`, () => {
  let t: TestHub;
  let agents: { id: string; token: string; pending: Recorder<Listed>; stopped: Recorder<Listed> }[];
  let stranger: string;
  let client: ConvexClient;

  before(async () => {
    t = await startTestHub(backend.options);
    const second = await secondAgent(t, "Second Bot");
    // Each agent subscribed as the seed's listener is, for the whole test.
    client = stockClient(t.baseUrl);
    agents = [{ id: t.creds.agentId, token: t.creds.agentToken }, { id: second.id, token: second.token }].map((a) => ({
      ...a,
      pending: new Recorder<Listed>(client, anyApi.agentWebSocket!.pendingRuns!, { token: a.token }),
      stopped: new Recorder<Listed>(client, anyApi.agentWebSocket!.stoppedRuns!, { token: a.token }),
    }));
    // A third agent: none of these runs is its own, so it must not find them.
    const other = await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Stranger Bot" });
    assertStatus(other, 201);
    stranger = other.body.token;
  });
  after(async () => {
    await client.close();
    await t.close();
  });

  it("answers every round as some order of its calls would, and keeps each run's lifecycle and feed whole", async () => {
    // Weighted so that runs get going and finish often enough for the calls that come after.
    const on = (kind: Exclude<Action["kind"], "delegate">, weight: number) =>
      ({ weight, arbitrary: fc.record({ kind: fc.constant(kind), run: fc.nat() }) });
    const action: fc.Arbitrary<Action> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("delegate" as const), task: fc.nat(2), agent: fc.nat(1) }) },
      on("start", 4), on("comment", 2), on("complete", 3), on("heartbeat", 1), on("error", 1), on("stop", 2), on("followUp", 2), on("foreign", 1),
    );
    const rounds = fc.array(fc.array(action, { minLength: 1, maxLength: 4 }), { minLength: 10, maxLength: 25 });

    await fc.assert(
      fc.asyncProperty(rounds, async (plan) => {
        const tasks = await Promise.all([0, 1, 2].map(async (i) => (await createTask(t, { title: `Concurrent ${i}` })).id));
        let model: Model = [];
        for (const round of plan) {
          const calls = round.flatMap((a): { action: Action; run: ModelRun | null }[] => {
            if (a.kind === "delegate") return [{ action: a, run: null }];
            return model.length === 0 ? [] : [{ action: a, run: model[a.run % model.length]! }];
          });
          if (calls.length === 0) continue;
          const sent: Sent[] = await Promise.all(calls.map(async ({ action: a, run }) => ({ action: a, run, res: await send(a, run, tasks) })));
          for (const s of sent) assert.ok(s.res.status < 500, `${s.action.kind}: ${s.res.status} ${JSON.stringify(s.res.body)}`);
          // The model after some order of the round that gives the hub's answers and ends where the hub is.
          const hub = await statuses(sent);
          const next = permutations(sent)
            .map((order) => replay(model, order))
            .find((m) => m !== null && m.every((r) => !hub.has(r.id) || hub.get(r.id) === r.status));
          assert.ok(next, `no order of the round explains the hub's answers and state:\n${sent.map((s) =>
            `  ${s.action.kind} ${s.run?.id ?? ""} (${s.run?.status ?? "new"}) → ${s.res.status} ${JSON.stringify(s.res.body).slice(0, 120)}`).join("\n")}\n  hub now: ${JSON.stringify([...hub])}`);
          model = next;
          await converged(model, tasks);
        }
        // Each run's feed: its creation, every transition it made and every comment it took, once each.
        for (const run of model) {
          const detail = await t.owner(t.creds.ownerToken, "GET", `/runs/${run.id}`);
          assertStatus(detail, 200);
          assert.equal(detail.body.status, run.status);
          const changes = detail.body.activity.filter((a: { type: string; subject: string | null; runId: string | null }) =>
            a.type === "status_change" && a.subject === "run" && a.runId === run.id);
          assert.equal(changes.length, run.transitions, `run ${run.id}: ${JSON.stringify(changes.map((c: { to: string }) => c.to))}`);
          const comments = detail.body.activity.filter((a: { type: string; runId: string | null }) => a.type === "comment" && a.runId === run.id);
          assert.equal(comments.length, run.comments, `run ${run.id}: ${JSON.stringify(comments.map((c: { body: string }) => c.body))}`);
        }
      }),
      // No shrinking: a failure to converge costs a 15 s wait per attempt. The first counterexample is shown as found.
      { numRuns: 25, endOnFailure: true, includeErrorInReport: true },
    );
  });

  /** Waits until each agent's subscriptions list exactly the model's PENDING and STOPPED runs of these tasks. */
  async function converged(model: Model, tasks: string[]): Promise<void> {
    const ours = (listed: Listed) => listed.filter((r) => tasks.includes(r.taskId)).map((r) => r.id).sort().join(",");
    await Promise.all(agents.map(async (agent, i) => {
      const expect = (status: Status) => model.filter((r) => r.agent === i && r.status === status).map((r) => r.id).sort().join(",");
      const pending = expect("PENDING");
      const stopped = expect("STOPPED");
      await agent.pending.until((v) => ours(v) === pending, `agent ${i}'s pendingRuns to be [${pending}] (last: [${ours(agent.pending.last ?? [])}])`);
      await agent.stopped.until((v) => ours(v) === stopped, `agent ${i}'s stoppedRuns to be [${stopped}] (last: [${ours(agent.stopped.last ?? [])}])`);
    }));
  }

  /** Sends one action: the owner's calls with the owner's token, the agent's with the run's agent's. */
  function send(action: Action, run: ModelRun | null, tasks: string[]): Promise<Res> {
    const owner = (method: string, path: string, body?: unknown) => t.owner(t.creds.ownerToken, method, path, body);
    switch (action.kind) {
      case "delegate":
        return owner("POST", `/tasks/${tasks[action.task]}/delegate`, { agentId: agents[action.agent]!.id });
      case "stop":
        return owner("POST", `/runs/${run!.id}/stop`);
      case "followUp":
        return owner("POST", `/runs/${run!.id}/follow-up`, { message: "One more thing" });
      case "foreign":
        return t.agent(stranger, "POST", `/runs/${run!.id}/start`, {});
      default: {
        const token = agents[run!.agent]!.token;
        const body = action.kind === "complete" ? { body: "Done", stepCostUsd: 0.01 } : action.kind === "heartbeat" ? undefined : { body: `${action.kind} says hi` };
        return t.agent(token, "POST", `/runs/${run!.id}/${action.kind}`, body);
      }
    }
  }

  /** The hub's status of every run the round touched or made (one read each, after the round). */
  async function statuses(sent: Sent[]): Promise<Map<string, Status>> {
    const made = sent.filter((s) => (s.action.kind === "delegate" || s.action.kind === "followUp") && s.res.status === 201).map((s) => s.res.body.id as string);
    const ids = new Set<string>([...sent.flatMap((s) => (s.run ? [s.run.id] : [])), ...made]);
    const seen = new Map<string, Status>();
    await Promise.all([...ids].map(async (id) => {
      const res = await t.owner(t.creds.ownerToken, "GET", `/runs/${id}`);
      assertStatus(res, 200);
      seen.set(id, res.body.status);
    }));
    return seen;
  }
});

describe("a comment racing its run's start (PostgreSQL, where each statement sees what committed before it)", () => {
  it("is taken when the start commits between the comment's lease renewal and its re-read (it was refused: 'Cannot comment on a run that is RUNNING')", async () => {
    const t = await startTestHub({ database: "postgres" });
    const side = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    try {
      const { runId } = await delegatedRun(t, "Raced");
      assertStatus(await t.agent(t.creds.agentToken, "GET", "/me"), 200); // the agent's auth is cached from here
      await side.connect();
      await side.query(`SET search_path TO ${new URL(t.databaseFlag).searchParams.get("schema")}`);
      // Holds the comment between its two statements: the renewal (runs only) misses the PENDING run, and the
      // re-read that says why (it joins users) waits for this lock.
      await side.query("BEGIN");
      await side.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      const comment = t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: "Raced" });
      while ((await side.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted")).rows[0]!.n === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // The start, as another hub would commit it meanwhile.
      await side.query("UPDATE runs SET status = 'RUNNING', started_at = $1, heartbeat_at = $1 WHERE id = $2", [Date.now(), runId]);
      await side.query("COMMIT");
      const res = await comment;
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const detail = await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`);
      assert.ok(detail.body.activity.some((a: { body: string }) => a.body === "Raced"));
    } finally {
      await side.end();
      await t.close();
    }
  });
});
