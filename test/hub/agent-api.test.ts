/**
 * Every Agent API endpoint as GroupChat documents it (and our documented
 * extras), against a real listening hub, with Basic and with Bearer auth.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertStatus, bearer, createTask, delegateTo, secondAgent } from "../support/api.ts";
import { startTestHub, type Res, type TestHub } from "../support/hub.ts";

const ids = (res: Res) => res.body.map((x: { id: string }) => x.id);

describe("agent API", () => {
  let t: TestHub;
  let token: string;
  before(async () => {
    t = await startTestHub();
    token = t.creds.agentToken;
  });
  after(() => t.close());

  describe("GET /me", () => {
    it("answers the agent's profile: name, description, agentUserId, ownerId, ownerName, createdAt", async () => {
      const me = await t.agent(token, "GET", "/me");
      assertStatus(me, 200);
      const owner = await t.owner(t.creds.ownerToken, "GET", "/me");
      const [listed] = (await t.owner(t.creds.ownerToken, "GET", "/agents")).body;
      assert.deepEqual(me.body, {
        id: t.creds.agentId,
        name: "OpenClaw Bot",
        description: "An OpenClaw agent connected through the bridge",
        agentUserId: listed.agentUserId,
        ownerId: t.creds.ownerId,
        ownerName: owner.body.name,
        createdAt: listed.createdAt,
      });
      assert.notEqual(me.body.agentUserId, t.creds.ownerId);
    });

    it("answers the same with Bearer auth", async () => {
      assert.deepEqual((await bearer(t, token, "GET", "/me")).body, (await t.agent(token, "GET", "/me")).body);
    });
  });

  describe("GET /tasks", () => {
    let other: { id: string; token: string };
    let ws2: string;
    let prj2: string;
    let prj3: string;
    const task: Record<string, string> = {};

    before(async () => {
      other = await secondAgent(t, "Tasks Filter Bot");
      ws2 = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Second" })).body.id;
      prj2 = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Other" }, { "x-workspace-id": ws2 })).body.id;
      prj3 = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Third" }, { "x-workspace-id": t.creds.workspaceId })).body.id;
      const make = async (key: string, input: Parameters<typeof createTask>[1], delegated = true) => {
        const created = await createTask(t, { title: key, ...input });
        if (delegated) await delegateTo(t, created.id, other.id);
        task[key] = created.id;
      };
      await make("jan10", { dueDate: "2030-01-10" });
      await make("feb01", { dueDate: "2030-02-01" });
      await make("undated", {});
      await make("doneJan10", { dueDate: "2030-01-10" });
      await make("elsewhere", { projectId: prj2, dueDate: "2030-01-10" });
      await make("thirdProject", { projectId: prj3 });
      await make("notDelegated", { dueDate: "2030-01-10" }, false);
      assertStatus(await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${task.doneJan10}`, { status: "done" }), 200);
    });

    const list = async (query = "") => {
      const res = await t.agent(other.token, "GET", `/tasks${query}`);
      assertStatus(res, 200);
      return new Set(ids(res));
    };
    const set = (...keys: string[]) => new Set(keys.map((k) => task[k]));

    it("lists only tasks that have a run assigned to this agent, without completed ones by default", async () => {
      assert.deepEqual(await list(), set("jan10", "feb01", "undated", "elsewhere", "thirdProject"));
    });

    it("includes completed tasks with includeCompleted=true, and not with includeCompleted=false", async () => {
      assert.deepEqual(await list("?includeCompleted=true"), set("jan10", "feb01", "undated", "doneJan10", "elsewhere", "thirdProject"));
      assert.deepEqual(await list("?includeCompleted=false"), set("jan10", "feb01", "undated", "elsewhere", "thirdProject"));
    });

    it("filters by dueDate (YYYY-MM-DD)", async () => {
      assert.deepEqual(await list("?dueDate=2030-01-10"), set("jan10", "elsewhere"));
      assert.deepEqual(await list("?dueDate=2030-01-10&includeCompleted=true"), set("jan10", "elsewhere", "doneJan10"));
      assert.deepEqual(await list("?dueDate=2031-01-01"), set());
    });

    it("filters by dueBefore (Unix ms): a task is due before t when its day starts before t", async () => {
      assert.deepEqual(await list(`?dueBefore=${Date.parse("2030-01-10T12:00:00Z")}`), set("jan10", "elsewhere"));
      assert.deepEqual(await list(`?dueBefore=${Date.parse("2030-01-10T00:00:00Z")}`), set());
      assert.deepEqual(await list(`?dueBefore=${Date.parse("2030-03-01T00:00:00Z")}`), set("jan10", "feb01", "elsewhere"));
    });

    it("filters by dueAfter (Unix ms): a task is due after t when its day starts after t", async () => {
      assert.deepEqual(await list(`?dueAfter=${Date.parse("2030-01-10T00:00:00Z")}`), set("feb01"));
      assert.deepEqual(await list(`?dueAfter=${Date.parse("2030-01-09T23:59:59Z")}`), set("jan10", "feb01", "elsewhere"));
      assert.deepEqual(
        await list(`?dueAfter=${Date.parse("2030-01-01T00:00:00Z")}&dueBefore=${Date.parse("2030-01-31T00:00:00Z")}`),
        set("jan10", "elsewhere"),
      );
    });

    it("takes a dueBefore or dueAfter past the year 9999, even past what a Date holds: every dated task is due before it, none after", async () => {
      for (const far of [Date.parse("9999-12-31T12:00:00Z"), Date.parse("+010000-01-01T00:00:00Z"), 9e15, Number.MAX_SAFE_INTEGER]) {
        assert.deepEqual(await list(`?dueBefore=${far}`), set("jan10", "feb01", "elsewhere"));
        assert.deepEqual(await list(`?dueAfter=${far}`), set());
      }
    });

    it("filters by workspaceId, projectId and status", async () => {
      assert.deepEqual(await list(`?workspaceId=${ws2}`), set("elsewhere"));
      assert.deepEqual(await list(`?workspaceId=${t.creds.workspaceId}`), set("jan10", "feb01", "undated", "thirdProject"));
      assert.deepEqual(await list(`?projectId=${prj3}`), set("thirdProject"));
      assert.deepEqual(await list(`?projectId=${t.creds.projectId}&dueDate=2030-02-01`), set("feb01"));
      assert.deepEqual(await list("?status=todo"), set("jan10", "feb01", "undated", "elsewhere", "thirdProject"));
      // Asking for done tasks by status includes them, unless includeCompleted=false says otherwise.
      assert.deepEqual(await list("?status=done"), set("doneJan10"));
      assert.deepEqual(await list("?status=done&includeCompleted=true"), set("doneJan10"));
      assert.deepEqual(await list("?status=done&includeCompleted=false"), set());
    });

    it("shows a task as the owner sees it", async () => {
      const res = await t.agent(other.token, "GET", `/tasks?dueDate=2030-02-01`);
      const mine = await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.feb01}`);
      const { activity: _activity, runs: _runs, ...plain } = mine.body;
      assert.deepEqual(res.body, [plain]);
    });

    it("lists newest first, each task once however many of its runs are the agent's, open and completed ones merged, up to limit", async () => {
      const third = await secondAgent(t, "Tasks Order Bot");
      const made: string[] = [];
      for (const key of ["a", "b", "c", "d"]) {
        const created = await createTask(t, { title: key });
        await delegateTo(t, created.id, third.id);
        made.unshift(created.id);
      }
      // b ends and is followed up twice, then done; c is done and back to todo; a is done.
      const [d, c, b, a] = made as [string, string, string, string];
      let run = (await t.agent(third.token, "GET", "/runs")).body.find((r: { taskId: string }) => r.taskId === b);
      for (const message of ["Again", "Once more"]) {
        assertStatus(await t.agent(third.token, "POST", `/runs/${run.id}/error`, { body: "Cannot" }), 200);
        run = (await t.owner(t.creds.ownerToken, "POST", `/runs/${run.id}/follow-up`, { message })).body;
      }
      for (const [id, status] of [[b, "done"], [c, "done"], [c, "todo"], [a, "done"]] as const) {
        assertStatus(await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${id}`, { status }), 200);
      }
      const listed = async (query: string) => ids(await t.agent(third.token, "GET", `/tasks${query}`));
      assert.deepEqual(await listed(""), [d, c]);
      assert.deepEqual(await listed("?includeCompleted=true"), [d, c, b, a]);
      assert.deepEqual(await listed("?includeCompleted=true&limit=3"), [d, c, b]);
      assert.deepEqual(await listed("?status=done"), [b, a]);
      assert.deepEqual(await listed("?status=todo&limit=1"), [d]);
      // A task delegated while done is listed as done.
      const late = await createTask(t, { title: "late" });
      assertStatus(await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${late.id}`, { status: "done" }), 200);
      await delegateTo(t, late.id, third.id);
      assert.deepEqual(await listed(""), [d, c]);
      assert.deepEqual(await listed("?status=done"), [late.id, b, a]);
    });

    it("answers the same with Bearer auth", async () => {
      const viaBearer = await bearer(t, other.token, "GET", "/tasks?includeCompleted=true");
      assertStatus(viaBearer, 200);
      assert.deepEqual(new Set(ids(viaBearer)), await list("?includeCompleted=true"));
    });
  });

  describe("GET /runs", () => {
    let agent: { id: string; token: string };
    let ws2: string;
    const run: Record<string, string> = {};

    before(async () => {
      agent = await secondAgent(t, "Runs Filter Bot");
      ws2 = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Runs elsewhere" })).body.id;
      const prj2 = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "P" }, { "x-workspace-id": ws2 })).body.id;
      for (const key of ["p1", "p2", "running", "finished", "p3"]) {
        const created = await createTask(t, { title: key, ...(key === "p3" ? { projectId: prj2 } : {}) });
        run[key] = (await delegateTo(t, created.id, agent.id)).id;
      }
      assertStatus(await t.agent(agent.token, "POST", `/runs/${run.running}/start`, {}), 200);
      assertStatus(await t.agent(agent.token, "POST", `/runs/${run.finished}/start`, {}), 200);
      assertStatus(await t.agent(agent.token, "POST", `/runs/${run.finished}/complete`, {}), 200);
    });

    const list = async (query = "") => {
      const res = await t.agent(agent.token, "GET", `/runs${query}`);
      assertStatus(res, 200);
      return ids(res);
    };

    it("lists PENDING runs oldest first, each with id, taskTitle, prompt and owner", async () => {
      assert.deepEqual(await list("?status=PENDING"), [run.p1, run.p2, run.p3]);
      const [first] = (await t.agent(agent.token, "GET", "/runs?status=PENDING")).body;
      const owner = (await t.owner(t.creds.ownerToken, "GET", "/me")).body;
      assert.equal(first.taskTitle, "p1");
      assert.equal(first.prompt, "p1");
      assert.equal(first.status, "PENDING");
      assert.deepEqual(first.owner, { id: owner.id, name: owner.name });
      assert.deepEqual(first.agent, { id: agent.id, name: "Runs Filter Bot" });
      assert.equal(first.lastFollowUpMessage, null);
      assert.equal(first.workspaceId, t.creds.workspaceId);
      assert.equal(first.projectId, t.creds.projectId);
      assert.equal(typeof first.createdAt, "number");
      assert.deepEqual([first.startedAt, first.endedAt, first.stepCostUsd, first.totalCostUsd], [null, null, null, null]);
    });

    it("lists all of the agent's runs newest first without a status", async () => {
      assert.deepEqual(await list(), [run.p3, run.finished, run.running, run.p2, run.p1]);
    });

    it("filters by status", async () => {
      assert.deepEqual(await list("?status=RUNNING"), [run.running]);
      assert.deepEqual(await list("?status=FINISHED"), [run.finished]);
      assert.deepEqual(await list("?status=ERROR"), []);
      assert.deepEqual(await list("?status=STOPPED"), []);
    });

    it("filters by workspaceId", async () => {
      assert.deepEqual(await list(`?workspaceId=${ws2}`), [run.p3]);
      assert.deepEqual(await list(`?status=PENDING&workspaceId=${t.creds.workspaceId}`), [run.p1, run.p2]);
      assert.deepEqual(await list("?workspaceId=ws_nowhere"), []);
    });

    it("caps the list at limit, keeping the order", async () => {
      assert.deepEqual(await list("?status=PENDING&limit=2"), [run.p1, run.p2]);
      assert.deepEqual(await list("?limit=1"), [run.p3]);
      assert.equal((await list("?limit=200")).length, 5);
    });

    it("lists ended runs by when they ended: an old run stopped just now comes first", async () => {
      const stopper = await secondAgent(t, "Stopped Order Bot");
      const older = await delegateTo(t, (await createTask(t, { title: "older" })).id, stopper.id);
      const newer = await delegateTo(t, (await createTask(t, { title: "newer" })).id, stopper.id);
      assertStatus(await t.owner(t.creds.ownerToken, "POST", `/runs/${newer.id}/stop`), 200);
      // The second stop at a later millisecond than the first.
      for (const at = Date.now(); Date.now() === at;) await new Promise((resolve) => setTimeout(resolve, 1));
      assertStatus(await t.owner(t.creds.ownerToken, "POST", `/runs/${older.id}/stop`), 200);
      const stopped = await t.agent(stopper.token, "GET", "/runs?status=STOPPED");
      assert.deepEqual(ids(stopped), [older.id, newer.id]);
      assert.deepEqual(ids(await t.agent(stopper.token, "GET", "/runs?status=STOPPED&limit=1")), [older.id]);
    });

    it("answers the same with Bearer auth", async () => {
      const res = await bearer(t, agent.token, "GET", "/runs?status=PENDING");
      assertStatus(res, 200);
      assert.deepEqual(ids(res), [run.p1, run.p2, run.p3]);
    });
  });

  describe("GET /runs/:id", () => {
    it("answers the run with its prompt, task, owner and the task's whole activity feed, oldest first", async () => {
      const created = await createTask(t, {
        title: "Ship the release", description: "Tag and publish", dueDate: "2030-05-01",
        images: [{ url: "https://example.com/a.png", name: "a.png" }],
      });
      const run = await delegateTo(t, created.id, t.creds.agentId, t.creds.ownerToken, "Please ship it");
      assertStatus(await t.agent(token, "POST", `/runs/${run.id}/start`, { body: "Starting" }), 200);
      const res = await t.agent(token, "GET", `/runs/${run.id}`);
      assertStatus(res, 200);
      const d = res.body;
      const owner = (await t.owner(t.creds.ownerToken, "GET", "/me")).body;
      const me = (await t.agent(token, "GET", "/me")).body;
      assert.equal(d.id, run.id);
      assert.equal(d.prompt, "Please ship it");
      assert.equal(d.lastFollowUpMessage, null);
      assert.equal(d.status, "RUNNING");
      assert.deepEqual(d.owner, { id: owner.id, name: owner.name });
      assert.deepEqual(d.task, {
        id: created.id, title: "Ship the release", description: "Tag and publish",
        images: [{ url: "https://example.com/a.png", name: "a.png" }],
        creator: { id: owner.id, name: owner.name }, owner: { id: owner.id, name: owner.name },
        dueDate: "2030-05-01", status: "doing", projectId: t.creds.projectId, workspaceId: t.creds.workspaceId,
        createdAt: created.createdAt, updatedAt: d.task.updatedAt,
      });
      const feed = d.activity.map((a: { type: string; subject: string | null; from: string | null; to: string | null; body: string; author: { kind: string } }) =>
        [a.type, a.subject, a.from, a.to, a.body, a.author.kind]);
      assert.deepEqual(feed, [
        ["status_change", "run", null, "PENDING", "Delegated to OpenClaw Bot", "user"],
        ["status_change", "run", "PENDING", "RUNNING", "", "agent"],
        ["comment", null, null, null, "Starting", "agent"],
        ["status_change", "task", "todo", "doing", "", "agent"],
      ]);
      assert.ok(d.activity.every((a: { runId: string }) => a.runId === run.id));
      assert.equal(d.activity[2].author.id, me.agentUserId);
    });

    it("carries lastFollowUpMessage and the whole thread on a follow-up run", async () => {
      const created = await createTask(t, { title: "Write docs" });
      const first = await delegateTo(t, created.id);
      await t.agent(token, "POST", `/runs/${first.id}/start`, { body: "Starting" });
      await t.agent(token, "POST", `/runs/${first.id}/complete`, { body: "Docs written" });
      const next = await t.owner(t.creds.ownerToken, "POST", `/runs/${first.id}/follow-up`, { message: "Can you also add tests?" });
      assertStatus(next, 201);
      const d = (await bearer(t, token, "GET", `/runs/${next.body.id}`)).body;
      assert.equal(d.prompt, "Can you also add tests?");
      assert.equal(d.lastFollowUpMessage, "Can you also add tests?");
      const comments = d.activity.filter((a: { type: string }) => a.type === "comment").map((a: { body: string; runId: string }) => [a.body, a.runId]);
      assert.deepEqual(comments, [["Starting", first.id], ["Docs written", first.id], ["Can you also add tests?", next.body.id]]);
    });
  });

  describe("POST /runs/:id/start, comment, heartbeat, complete, error", () => {
    it("start: PENDING → RUNNING, posts the body as a comment, moves the task to doing, notifies the owner", async () => {
      const created = await createTask(t, { title: "Start me" });
      const run = await delegateTo(t, created.id);
      const res = await t.agent(token, "POST", `/runs/${run.id}/start`, { body: "Starting work on this now." });
      assertStatus(res, 200);
      assert.equal(res.body.status, "RUNNING");
      assert.equal(typeof res.body.startedAt, "number");
      assert.equal(res.body.endedAt, null);
      const task = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${created.id}`)).body;
      assert.equal(task.status, "doing");
      assert.equal(task.activity.filter((a: { type: string }) => a.type === "comment").at(-1).body, "Starting work on this now.");
      const [note] = (await t.owner(t.creds.ownerToken, "GET", "/notifications?limit=1")).body;
      assert.deepEqual([note.type, note.runId, note.taskId, note.body], ["run_started", run.id, created.id, "Starting work on this now."]);
    });

    it("start without a body posts no comment, and still notifies the owner", async () => {
      const created = await createTask(t, { title: "Quiet start" });
      const run = await delegateTo(t, created.id);
      assertStatus(await t.agent(token, "POST", `/runs/${run.id}/start`), 200);
      const task = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${created.id}`)).body;
      assert.equal(task.activity.filter((a: { type: string }) => a.type === "comment").length, 0);
      const [note] = (await t.owner(t.creds.ownerToken, "GET", "/notifications?limit=1")).body;
      assert.deepEqual([note.type, note.body], ["run_started", 'OpenClaw Bot started working on "Quiet start"']);
    });

    it("a start or end whose body is only invisible characters counts as none: no comment, the owner told in the usual sentence", async () => {
      const created = await createTask(t, { title: "Invisible words" });
      const run = await delegateTo(t, created.id);
      assertStatus(await t.agent(token, "POST", `/runs/${run.id}/start`, { body: "\u200b\u2060" }), 200);
      assertStatus(await t.agent(token, "POST", `/runs/${run.id}/complete`, { body: " \ufeff " }), 200);
      const task = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${created.id}`)).body;
      assert.deepEqual(task.activity.filter((a: { type: string }) => a.type === "comment"), []);
      assert.deepEqual(task.activity.filter((a: { runId: string | null }) => a.runId === run.id).map((a: { to: string | null; body: string }) => [a.to, a.body]), [
        ["PENDING", "Delegated to OpenClaw Bot"], ["RUNNING", ""], ["doing", ""], ["FINISHED", ""],
      ]);
      const notes = (await t.owner(t.creds.ownerToken, "GET", "/notifications?limit=2")).body;
      assert.deepEqual(notes.map((n: { type: string; body: string }) => [n.type, n.body]), [
        ["run_finished", 'OpenClaw Bot finished "Invisible words"'], ["run_started", 'OpenClaw Bot started working on "Invisible words"'],
      ]);
    });

    it("start keeps a task already in doing where it is (no second task status change)", async () => {
      const created = await createTask(t, { title: "Already doing" });
      await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${created.id}`, { status: "doing" });
      const run = await delegateTo(t, created.id);
      assertStatus(await t.agent(token, "POST", `/runs/${run.id}/start`, {}), 200);
      const task = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${created.id}`)).body;
      assert.equal(task.activity.filter((a: { subject: string | null }) => a.subject === "task").length, 1);
    });

    it("comment: posts a progress comment (201, the activity item), the run stays RUNNING, the owner is notified", async () => {
      const created = await createTask(t, { title: "Comment on me" });
      const run = await delegateTo(t, created.id);
      await t.agent(token, "POST", `/runs/${run.id}/start`, {});
      const res = await t.agent(token, "POST", `/runs/${run.id}/comment`, { body: "  Found the issue. Working on a fix now.  " });
      assertStatus(res, 201);
      const me = (await t.agent(token, "GET", "/me")).body;
      assert.deepEqual({ ...res.body, id: "", createdAt: 0 }, {
        id: "", type: "comment", subject: null, runId: run.id,
        author: { id: me.agentUserId, name: "OpenClaw Bot", kind: "agent" },
        body: "Found the issue. Working on a fix now.", from: null, to: null, createdAt: 0,
      });
      assert.equal((await t.agent(token, "GET", `/runs/${run.id}`)).body.status, "RUNNING");
      const [note] = (await t.owner(t.creds.ownerToken, "GET", "/notifications?limit=1")).body;
      assert.deepEqual([note.type, note.body], ["run_comment", "Found the issue. Working on a fix now."]);
    });

    it("heartbeat: answers the RUNNING run, adds nothing to the feed and tells the owner nothing", async () => {
      const created = await createTask(t, { title: "Beat" });
      const run = await delegateTo(t, created.id);
      await t.agent(token, "POST", `/runs/${run.id}/start`, {});
      const before = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${created.id}`)).body.activity.length;
      const unread = (await t.owner(t.creds.ownerToken, "GET", "/me")).body.unreadNotifications;
      const res = await t.agent(token, "POST", `/runs/${run.id}/heartbeat`);
      assertStatus(res, 200);
      assert.equal(res.body.id, run.id);
      assert.equal(res.body.status, "RUNNING");
      assertStatus(await t.agent(token, "POST", `/runs/${run.id}/heartbeat`, {}), 200);
      assert.equal((await t.owner(t.creds.ownerToken, "GET", `/tasks/${created.id}`)).body.activity.length, before);
      assert.equal((await t.owner(t.creds.ownerToken, "GET", "/me")).body.unreadNotifications, unread);
    });

    it("complete: RUNNING → FINISHED with the summary posted and the owner notified", async () => {
      const created = await createTask(t, { title: "Finish me" });
      const run = await delegateTo(t, created.id);
      await t.agent(token, "POST", `/runs/${run.id}/start`, {});
      const res = await t.agent(token, "POST", `/runs/${run.id}/complete`, { body: "Done! All changes pushed and tests passing." });
      assertStatus(res, 200);
      assert.equal(res.body.status, "FINISHED");
      assert.equal(typeof res.body.endedAt, "number");
      const d = (await t.agent(token, "GET", `/runs/${run.id}`)).body;
      assert.deepEqual(d.activity.at(-1).body, "Done! All changes pushed and tests passing.");
      assert.deepEqual(d.activity.at(-2).to, "FINISHED");
      const [note] = (await t.owner(t.creds.ownerToken, "GET", "/notifications?limit=1")).body;
      assert.deepEqual([note.type, note.runId, note.body], ["run_finished", run.id, "Done! All changes pushed and tests passing."]);
    });

    it("error: RUNNING → ERROR with the error posted and the owner notified", async () => {
      const created = await createTask(t, { title: "Fail me" });
      const run = await delegateTo(t, created.id);
      await t.agent(token, "POST", `/runs/${run.id}/start`, {});
      const res = await t.agent(token, "POST", `/runs/${run.id}/error`, { body: "Build failed: missing dependency xyz" });
      assertStatus(res, 200);
      assert.equal(res.body.status, "ERROR");
      assert.equal(typeof res.body.endedAt, "number");
      const [note] = (await t.owner(t.creds.ownerToken, "GET", "/notifications?limit=1")).body;
      assert.deepEqual([note.type, note.runId, note.body], ["run_error", run.id, "Build failed: missing dependency xyz"]);
    });

    it("error on a PENDING run lets an agent refuse work it cannot do", async () => {
      const created = await createTask(t, { title: "Refuse me" });
      const run = await delegateTo(t, created.id);
      const res = await t.agent(token, "POST", `/runs/${run.id}/error`, { body: "I cannot do this" });
      assertStatus(res, 200);
      assert.equal(res.body.status, "ERROR");
      assert.equal(res.body.startedAt, null);
    });

    it("keeps an agent's words that hold a NUL character (as U+FFFD) on both databases: PostgreSQL cannot store a NUL, and they were refused", async () => {
      const run = await delegateTo(t, (await createTask(t, { title: "Binary output" })).id);
      assertStatus(await t.agent(token, "POST", `/runs/${run.id}/start`, { body: "Reading a\u0000file" }), 200);
      assertStatus(await t.agent(token, "POST", `/runs/${run.id}/comment`, { body: "Saw \u0000\u0000 in it" }), 201);
      assertStatus(await t.agent(token, "POST", `/runs/${run.id}/complete`, { body: "Done: \u0000" }), 200);
      const words = (await t.agent(token, "GET", `/runs/${run.id}`)).body.activity
        .filter((a: { type: string; runId: string | null }) => a.type === "comment" && a.runId === run.id).map((a: { body: string }) => a.body);
      assert.deepEqual(words, ["Reading a\uFFFDfile", "Saw \uFFFD\uFFFD in it", "Done: \uFFFD"]);
      const [note] = (await t.owner(t.creds.ownerToken, "GET", "/notifications?limit=1")).body;
      assert.equal(note.body, "Done: \uFFFD");
    });

    it("works end to end with Bearer auth: start, comment, heartbeat, complete, and error on another run", async () => {
      const one = await delegateTo(t, (await createTask(t)).id);
      const two = await delegateTo(t, (await createTask(t)).id);
      assertStatus(await bearer(t, token, "POST", `/runs/${one.id}/start`, { body: "Starting" }), 200);
      assertStatus(await bearer(t, token, "POST", `/runs/${one.id}/comment`, { body: "Working" }), 201);
      assertStatus(await bearer(t, token, "POST", `/runs/${one.id}/heartbeat`), 200);
      assertStatus(await bearer(t, token, "POST", `/runs/${one.id}/complete`, { body: "Done", stepCostUsd: 0.01 }), 200);
      assertStatus(await bearer(t, token, "POST", `/runs/${two.id}/start`, {}), 200);
      assertStatus(await bearer(t, token, "POST", `/runs/${two.id}/error`, { body: "Oops" }), 200);
      assert.deepEqual([(await bearer(t, token, "GET", `/runs/${one.id}`)).body.status, (await bearer(t, token, "GET", `/runs/${two.id}`)).body.status], ["FINISHED", "ERROR"]);
    });
  });
});
