/**
 * A follow-up's @mentions (`POST /runs/:id/follow-up {message}`) do what a comment's do: a person of the task's
 * workspace it names is told (`mention`); another of the author's agents it names gets a PENDING run with the
 * message as its prompt (the answer's `runs`); the run's own agent, named, gets only the follow-up; a name two go
 * by names no one (`ambiguousMentions`).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask, delegateTo } from "../support/api.ts";
import { request, startTestHub, type TestHub } from "../support/hub.ts";

describe("a follow-up's @mentions", () => {
  let t: TestHub;
  before(async () => { t = await startTestHub(); });
  after(() => t.close());

  /** A workspace of `names` (the first its task's owner and the agent's creator), a task there and an ended run on it. */
  async function ended(workspace: string, names: string[], agentName = "Kai Bot") {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: workspace })).body;
    const prj = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: `${workspace} work` }, { "x-workspace-id": ws.id })).body;
    const people: Array<{ userId: string; ownerToken: string }> = [];
    for (const name of names) {
      const person = await t.hub.writer.run("addUser", { name });
      assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: person.userId }), 201);
      people.push(person);
    }
    const author = people[0]!;
    const task = await createTask(t, { projectId: prj.id, title: `${workspace} task` }, author.ownerToken);
    const bot = (await t.owner(author.ownerToken, "POST", "/agents", { name: agentName })).body;
    const run = await delegateTo(t, task.id, bot.id, author.ownerToken);
    assertStatus(await t.agent(bot.token, "POST", `/runs/${run.id}/start`), 200);
    assertStatus(await t.agent(bot.token, "POST", `/runs/${run.id}/complete`, { body: "Done" }), 200);
    const told = async (person: { ownerToken: string }) =>
      ((await t.owner(person.ownerToken, "GET", "/notifications")).body as Array<Record<string, unknown>>)
        .filter((n) => n.taskId === task.id && n.type === "mention").map((n) => [n.actor && (n.actor as { name: string }).name, n.runId, n.body]);
    const runsOf = async (agentId: string) =>
      ((await t.owner(author.ownerToken, "GET", `/agents/${agentId}/runs`)).body as Array<{ id: string; taskId: string; status: string; prompt: string }>)
        .filter((r) => r.taskId === task.id).map((r) => [r.status, r.prompt]);
    return { people, author, task, bot, run, told, runsOf };
  }

  it("tells each person of the task's workspace the message @mentions (mention, on the follow-up's run), never its author nor someone outside", async () => {
    const { people: [kai, lee, ann], run, told } = await ended("Follow-up notes", ["Kai", "Lee Ann", "Ann"]);
    const out = await t.hub.writer.run("addUser", { name: "Out" });
    const said = "@lee ann and @Kai: one more pass, see @Out";
    const res = await t.owner(kai!.ownerToken, "POST", `/runs/${run.id}/follow-up`, { message: ` ${said} ` });
    assertStatus(res, 201);
    assert.deepEqual([res.body.status, res.body.prompt, res.body.runs, res.body.ambiguousMentions], ["PENDING", said, [], []]);
    assert.deepEqual(await told(lee!), [["Kai", res.body.id, said]]);
    assert.deepEqual([await told(kai!), await told(ann!), await told(out)], [[], [], []]);
    // The follow-up's own notifications are its agent's to send (run_started…), not a second one for its author now.
    const kaiAll = ((await t.owner(kai!.ownerToken, "GET", "/notifications")).body as Array<{ runId: string }>).filter((n) => n.runId === res.body.id);
    assert.deepEqual(kaiAll, []);
  });

  it("starts a PENDING run, with the message as its prompt, for another of your agents it @mentions, listed in the answer's runs; the run's own agent gets only the follow-up, and an agent with a run going there is skipped", async () => {
    const { author, task, bot, run, runsOf } = await ended("Follow-up agents", ["Kai"]);
    const helper = (await t.owner(author.ownerToken, "POST", "/agents", { name: "Helper" })).body;
    const busy = (await t.owner(author.ownerToken, "POST", "/agents", { name: "Busy Bot" })).body;
    const pending = await delegateTo(t, task.id, busy.id, author.ownerToken);

    const said = "@Kai Bot add tests, @helper review them, @Busy Bot too";
    const res = await t.owner(author.ownerToken, "POST", `/runs/${run.id}/follow-up`, { message: said });
    assertStatus(res, 201);
    assert.deepEqual([res.body.agent.id, res.body.lastFollowUpMessage], [bot.id, said]);
    assert.deepEqual(res.body.runs.map((r: { agent: { id: string }; status: string; prompt: string; taskId: string }) => [r.agent.id, r.status, r.prompt, r.taskId]), [
      [helper.id, "PENDING", said, task.id],
    ]);
    assert.deepEqual(await runsOf(bot.id), [["PENDING", said], ["FINISHED", task.title]]);
    assert.deepEqual(await runsOf(helper.id), [["PENDING", said]]);
    assert.deepEqual(await runsOf(busy.id), [["PENDING", pending.prompt]]);
    const feed = ((await t.owner(author.ownerToken, "GET", `/tasks/${task.id}`)).body.activity as Array<{ type: string; body: string }>)
      .filter((a) => a.type === "status_change").map((a) => a.body).slice(-2);
    assert.deepEqual(feed, ["Follow-up for Kai Bot", "Delegated to Helper"]);
  });

  it("a name two go by (two people, or a person and one of your agents) starts no run, tells neither, and the answer says so; the longest name wins, in any case or compatibility form", async () => {
    const { people: [, sam1, sam2, mo, ada], author, run, told, runsOf } = await ended("Follow-up names", ["Kai", "Sam", "SAM", "Mo", "Ada"]);
    const moBot = (await t.owner(author.ownerToken, "POST", "/agents", { name: "Mo Bot" })).body;
    const adaBot = (await t.owner(author.ownerToken, "POST", "/agents", { name: "ada" })).body;

    const said = "@ｓａｍ and @Ada: look; @MO BOT, you too";
    const res = await t.owner(author.ownerToken, "POST", `/runs/${run.id}/follow-up`, { message: said });
    assertStatus(res, 201);
    assert.deepEqual(res.body.ambiguousMentions, ["Sam", "ada"]); // your agent spelled first, as a comment answers it
    assert.deepEqual(res.body.runs.map((r: { agent: { id: string } }) => r.agent.id), [moBot.id]);
    for (const person of [sam1!, sam2!, ada!, mo!]) assert.deepEqual(await told(person), []);
    assert.deepEqual(await runsOf(adaBot.id), []);
  });

  it("bad input is still 400 { error }; otherwise the answer is the new run, with runs and ambiguousMentions besides, as the OpenAPI document says", async () => {
    const { author, run } = await ended("Follow-up input", ["Kai"]);
    assertError(await t.owner(author.ownerToken, "POST", `/runs/${run.id}/follow-up`, { message: "\u200b" }), 400);
    assertError(await t.owner(author.ownerToken, "POST", `/runs/${run.id}/follow-up`, { message: "@Kai Bot", to: "@Kai" }), 400);
    assertError(await t.owner(author.ownerToken, "POST", `/runs/${run.id}/follow-up`, {}), 400);
    const res = await t.owner(author.ownerToken, "POST", `/runs/${run.id}/follow-up`, { message: "No one named here" });
    assertStatus(res, 201);
    assert.deepEqual(Object.keys(res.body).sort(), [
      "agent", "ambiguousMentions", "createdAt", "endedAt", "id", "lastFollowUpMessage", "owner", "projectId", "prompt", "runs", "startedAt",
      "status", "stepCostUsd", "taskId", "taskTitle", "totalCostUsd", "workspaceId",
    ]);
    const doc = (await request(`${t.baseUrl}/api/v1/openapi.json`, {})).body;
    const schema = doc.paths["/api/v1/runs/{id}/follow-up"].post.responses["201"].content["application/json"].schema as { allOf: Array<{ properties?: Record<string, unknown> }> };
    const fields = schema.allOf.flatMap((part) => Object.keys(part.properties ?? {}));
    for (const field of ["id", "status", "runs", "ambiguousMentions"]) assert.ok(fields.includes(field), field);
  });
});
