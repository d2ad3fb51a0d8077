/**
 * Every owner API endpoint (`/api/v1`, Bearer gcp_): agents, workspaces and
 * members, projects, tasks, comments with @mentions, delegate, run detail,
 * follow-up, stop and notifications.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask, delegateTo, secondAgent } from "../support/api.ts";
import { request, startTestHub, type TestHub } from "../support/hub.ts";
import { CSRF, loginCode, redeem, signIn, withCookie } from "../web/support/session.ts";

describe("owner API", () => {
  let t: TestHub;
  let owner: string;
  let me: { id: string; name: string };
  before(async () => {
    t = await startTestHub();
    owner = t.creds.ownerToken;
    const { id, name } = (await t.owner(owner, "GET", "/me")).body;
    me = { id, name };
  });
  after(() => t.close());

  /** Follows `Link: rel="next"` from `path` to the last page; the ids in order and each page's size. */
  async function walk(token: string, path: string): Promise<{ ids: string[]; pages: number[] }> {
    const ids: string[] = [];
    const pages: number[] = [];
    for (let next: string | null = path; next !== null;) {
      const res = await t.owner(token, "GET", next);
      assertStatus(res, 200);
      ids.push(...res.body.map((x: { id: string }) => x.id));
      pages.push(res.body.length);
      const link = res.headers.get("link");
      next = link === null ? null : /^<\/api\/v1(\/[^>]+)>; rel="next"$/.exec(link)![1]!;
    }
    return { ids, pages };
  }

  describe("authentication", () => {
    it("answers every 401 with WWW-Authenticate: Bearer realm=\"owner\", the web UI's cookie calls and session routes as token calls; a 403 without it", async () => {
      const challenge = 'Bearer realm="owner"';
      const stale = `gc_session=${"x".repeat(43)}`;
      const unauthorized = [
        ["no credentials", await request(`${t.baseUrl}/api/v1/me`, {})],
        ["a bad token", await t.owner("gcp_not_a_token", "GET", "/tasks")],
        ["a stale cookie", await withCookie(t, stale, "GET", "/me")],
        ["a stale cookie, a write", await withCookie(t, stale, "POST", "/tasks", { projectId: t.creds.projectId, title: "never" })],
        ["a stale cookie, a list", await withCookie(t, stale, "GET", `/tasks?workspaceId=${t.creds.workspaceId}`)],
        ["who is signed in, none", await withCookie(t, stale, "GET", "/session")],
        ["a sign-in link, none signed in", await withCookie(t, stale, "POST", "/session/link")],
        ["a sign-in code used up", await (async () => {
          const code = await loginCode(t);
          await redeem(t, code);
          return redeem(t, code);
        })()],
      ] as const;
      for (const [what, res] of unauthorized) {
        assertError(res, 401);
        assert.equal(res.headers.get("www-authenticate"), challenge, what);
      }
      // Signed in, but without the CSRF header: not allowed (403), and no challenge, since signing in again would not help.
      const cookie = await signIn(t);
      const forbidden = await withCookie(t, cookie, "POST", "/tasks", { projectId: t.creds.projectId, title: "never" }, {});
      assertError(forbidden, 403);
      assert.equal(forbidden.headers.get("www-authenticate"), null);
      assertStatus(await withCookie(t, cookie, "GET", "/me", undefined, CSRF), 200);
    });
  });

  describe("agents", () => {
    it("GET /me answers the signed-in person", async () => {
      const res = await t.owner(owner, "GET", "/me");
      assertStatus(res, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ["id", "name", "unreadNotifications"]);
      assert.equal(res.body.id, t.creds.ownerId);
      assert.equal(res.body.unreadNotifications, 0);
    });

    it("POST /agents creates an agent and shows its gca_ token this once; GET /agents never shows it", async () => {
      const res = await t.owner(owner, "POST", "/agents", { name: "  Review Bot  ", description: "Reviews PRs" });
      assertStatus(res, 201);
      assert.deepEqual(Object.keys(res.body).sort(), ["agentUserId", "createdAt", "description", "id", "name", "token"]);
      assert.equal(res.body.name, "Review Bot");
      assert.equal(res.body.description, "Reviews PRs");
      assert.match(res.body.token, /^gca_[A-Za-z0-9_-]{43}$/);
      assert.match(res.body.id, /^agt_/);
      assert.match(res.body.agentUserId, /^usr_/);
      const list = await t.owner(owner, "GET", "/agents");
      assertStatus(list, 200);
      const { token: _token, ...view } = res.body;
      assert.deepEqual(list.body.find((a: { id: string }) => a.id === res.body.id), view);
      assert.ok(list.body.every((a: object) => !("token" in a)));
      assert.equal((await t.agent(res.body.token, "GET", "/me")).body.name, "Review Bot");
    });

    it("POST /agents refuses a second agent with the same name (any case, in any script) with 409", async () => {
      await secondAgent(t, "Twin Bot");
      assertError(await t.owner(owner, "POST", "/agents", { name: "twin bot" }), 409, 'You already have an agent named "twin bot"');
      await secondAgent(t, "Ärger");
      assertError(await t.owner(owner, "POST", "/agents", { name: "äRGER" }), 409, 'You already have an agent named "äRGER"');
    });

    it("POST /agents/:id/token rotates the token: 201 { token }, the old one is refused at once", async () => {
      const agent = await secondAgent(t, "Rotate Bot");
      const res = await t.owner(owner, "POST", `/agents/${agent.id}/token`);
      assertStatus(res, 201);
      assert.deepEqual(Object.keys(res.body), ["token"]);
      assertError(await t.agent(agent.token, "GET", "/me"), 401);
      assertStatus(await t.agent(res.body.token, "GET", "/me"), 200);
    });

    it("DELETE /agents/:id: 204, gone from the list, its token refused, no delegating to it, a second delete 404", async () => {
      const agent = await secondAgent(t, "Delete Bot");
      const res = await t.owner(owner, "DELETE", `/agents/${agent.id}`);
      assert.equal(res.status, 204);
      assert.equal(res.body, null);
      assert.ok(!(await t.owner(owner, "GET", "/agents")).body.some((a: { id: string }) => a.id === agent.id));
      assertError(await t.agent(agent.token, "GET", "/me"), 401);
      const task = await createTask(t);
      assertError(await t.owner(owner, "POST", `/tasks/${task.id}/delegate`, { agentId: agent.id }), 404, "Agent not found");
      assertError(await t.owner(owner, "DELETE", `/agents/${agent.id}`), 404, "Agent not found");
      // A deleted agent's name is free again.
      assertStatus(await t.owner(owner, "POST", "/agents", { name: "Delete Bot" }), 201);
    });

    it("DELETE /agents/:id stops the runs the agent had going, and a follow-up to it answers 409", async () => {
      const agent = await secondAgent(t, "Leaving Bot");
      const [pendingTask, runningTask, doneTask] = [await createTask(t), await createTask(t), await createTask(t)];
      const pending = await delegateTo(t, pendingTask.id, agent.id);
      const running = await delegateTo(t, runningTask.id, agent.id);
      const done = await delegateTo(t, doneTask.id, agent.id);
      for (const run of [running, done]) assertStatus(await t.agent(agent.token, "POST", `/runs/${run.id}/start`, {}), 200);
      assertStatus(await t.agent(agent.token, "POST", `/runs/${done.id}/complete`, { body: "Done" }), 200);
      assert.equal((await t.owner(owner, "DELETE", `/agents/${agent.id}`)).status, 204);
      for (const [run, from] of [[pending, "PENDING"], [running, "RUNNING"]] as const) {
        const detail = (await t.owner(owner, "GET", `/runs/${run.id}`)).body;
        assert.equal(detail.status, "STOPPED");
        assert.ok(detail.endedAt);
        const change = detail.activity.at(-1);
        assert.deepEqual([change.type, change.from, change.to, change.body], ["status_change", from, "STOPPED", "Leaving Bot was deleted"]);
      }
      assert.equal((await t.owner(owner, "GET", `/runs/${done.id}`)).body.status, "FINISHED");
      assertError(await t.owner(owner, "POST", `/runs/${done.id}/follow-up`, { message: "One more thing" }), 409, "Leaving Bot was deleted; delegate the task to another agent");
    });

    it("GET /agents/:id/runs lists the agent's runs newest first, with limit", async () => {
      const agent = await secondAgent(t, "History Bot");
      const a = await delegateTo(t, (await createTask(t)).id, agent.id);
      const b = await delegateTo(t, (await createTask(t)).id, agent.id);
      const res = await t.owner(owner, "GET", `/agents/${agent.id}/runs`);
      assertStatus(res, 200);
      assert.deepEqual(res.body.map((r: { id: string }) => r.id), [b.id, a.id]);
      assert.deepEqual((await t.owner(owner, "GET", `/agents/${agent.id}/runs?limit=1`)).body.map((r: { id: string }) => r.id), [b.id]);
      const c = await delegateTo(t, (await createTask(t)).id, agent.id);
      assert.deepEqual(await walk(owner, `/agents/${agent.id}/runs?limit=2`), { ids: [c.id, b.id, a.id], pages: [2, 1] });
    });
  });

  describe("workspaces, members and projects", () => {
    it("GET /workspaces lists the first workspace; POST /workspaces adds one (201) that then appears", async () => {
      const before = await t.owner(owner, "GET", "/workspaces");
      assertStatus(before, 200);
      assert.ok(before.body.some((w: { id: string }) => w.id === t.creds.workspaceId));
      const res = await t.owner(owner, "POST", "/workspaces", { name: " Side project " });
      assertStatus(res, 201);
      assert.deepEqual({ ...res.body, id: "", createdAt: 0 }, { id: "", name: "Side project", createdBy: me.id, createdAt: 0 });
      assert.deepEqual((await t.owner(owner, "GET", "/workspaces")).body.at(-1), res.body);
    });

    it("POST /workspaces/:id/members adds a person, who then sees the workspace and its tasks", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Shared" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "P" }, { "x-workspace-id": ws.id })).body;
      const task = await createTask(t, { projectId: prj.id, title: "Shared task" });
      const carol = await t.hub.writer.run("addUser", { name: "Carol" });
      assertError(await t.owner(carol.ownerToken, "GET", `/tasks/${task.id}`), 404, "Task not found");
      const res = await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: carol.userId });
      assertStatus(res, 201);
      assert.deepEqual(res.body, { workspaceId: ws.id, userId: carol.userId });
      assert.ok((await t.owner(carol.ownerToken, "GET", "/workspaces")).body.some((w: { id: string }) => w.id === ws.id));
      assertStatus(await t.owner(carol.ownerToken, "GET", `/tasks/${task.id}`), 200);
      // Adding twice is harmless.
      assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: carol.userId }), 201);
    });

    it("POST /workspaces/:id/members refuses an agent's user id and an unknown user (404)", async () => {
      const agentUserId = (await t.owner(owner, "GET", "/agents")).body[0].agentUserId;
      assertError(await t.owner(owner, "POST", `/workspaces/${t.creds.workspaceId}/members`, { userId: agentUserId }), 404, "User not found");
      assertError(await t.owner(owner, "POST", `/workspaces/${t.creds.workspaceId}/members`, { userId: "usr_nobody" }), 404, "User not found");
    });

    it("GET /workspaces/:id/members lists its people; the creator removes one (their agents' runs there stop), anyone but the creator leaves", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Shared" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Shared work" }, { "x-workspace-id": ws.id })).body;
      const [gil, hana] = [await t.hub.writer.run("addUser", { name: "Gil" }), await t.hub.writer.run("addUser", { name: "Hana" })];
      for (const p of [gil, hana]) assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: p.userId }), 201);
      const members = await t.owner(gil.ownerToken, "GET", `/workspaces/${ws.id}/members`);
      assertStatus(members, 200);
      assert.deepEqual(members.body.map((m: { name: string; isCreator: boolean }) => [m.name, m.isCreator]), [[me.name, true], ["Gil", false], ["Hana", false]]);

      // Gil's agent is working on a task there.
      const gilBot = (await t.owner(gil.ownerToken, "POST", "/agents", { name: "Gil Bot" })).body;
      const task = await createTask(t, { projectId: prj.id, title: "Gil's job" }, gil.ownerToken);
      const run = await delegateTo(t, task.id, gilBot.id, gil.ownerToken);
      assertStatus(await t.agent(gilBot.token, "POST", `/runs/${run.id}/start`, {}), 200);

      assertError(await t.owner(hana.ownerToken, "DELETE", `/workspaces/${ws.id}/members/${gil.userId}`), 403, "Only the workspace's creator can remove someone else");
      assertError(await t.owner(owner, "DELETE", `/workspaces/${ws.id}/members/${me.id}`), 409, "The workspace's creator cannot leave it");
      assert.equal((await t.owner(owner, "DELETE", `/workspaces/${ws.id}/members/${gil.userId}`)).status, 204);
      assertError(await t.owner(gil.ownerToken, "GET", `/tasks/${task.id}`), 404, "Task not found");
      assertError(await t.owner(gil.ownerToken, "GET", `/workspaces/${ws.id}/members`), 404, "Workspace not found");
      assert.ok(!(await t.owner(gil.ownerToken, "GET", "/workspaces")).body.some((w: { id: string }) => w.id === ws.id));
      const stopped = await t.owner(owner, "GET", `/runs/${run.id}`);
      assert.equal(stopped.body.status, "STOPPED");
      assert.ok(stopped.body.activity.some((a: { to: string; body: string }) => a.to === "STOPPED" && a.body === "Gil left the workspace"));
      const late = await t.agent(gilBot.token, "POST", `/runs/${run.id}/complete`, { body: "Done" });
      assert.deepEqual([late.status, late.body], [409, { error: "Cannot complete a run that is STOPPED", status: "STOPPED" }]);
      assert.equal((await t.owner(owner, "GET", `/tasks/${task.id}`)).status, 200, "the task stays");

      // Hana leaves by herself; then she is no one to remove.
      assert.equal((await t.owner(hana.ownerToken, "DELETE", `/workspaces/${ws.id}/members/${hana.userId}`)).status, 204);
      assertError(await t.owner(owner, "DELETE", `/workspaces/${ws.id}/members/${hana.userId}`), 404, "Member not found");
      assert.deepEqual((await t.owner(owner, "GET", `/workspaces/${ws.id}/members`)).body.map((m: { name: string }) => m.name), [me.name]);
    });

    it("a person taken out of a workspace no longer sees its notifications (the task titles and comments in them); those of their other workspaces stay", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Told" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Told work" }, { "x-workspace-id": ws.id })).body;
      const jo = await t.hub.writer.run("addUser", { name: "Jo" });
      assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: jo.userId }), 201);
      const joBot = (await t.owner(jo.ownerToken, "POST", "/agents", { name: "Jo Bot" })).body;
      // Jo's runs: one in the shared workspace, one in a workspace of Jo's own.
      const shared = await createTask(t, { projectId: prj.id, title: "Secret roadmap" }, jo.ownerToken);
      const own = (await t.owner(jo.ownerToken, "POST", "/workspaces", { name: "Jo's own" })).body;
      const ownPrj = (await t.owner(jo.ownerToken, "POST", "/projects", { name: "Jo's work" }, { "x-workspace-id": own.id })).body;
      const mine = await createTask(t, { projectId: ownPrj.id, title: "Jo's chores" }, jo.ownerToken);
      for (const task of [shared, mine]) {
        const run = await delegateTo(t, task.id, joBot.id, jo.ownerToken);
        assertStatus(await t.agent(joBot.token, "POST", `/runs/${run.id}/start`, {}), 200);
        assertStatus(await t.agent(joBot.token, "POST", `/runs/${run.id}/complete`, { body: "Done" }), 200);
      }
      const about = async (taskId: string) => ((await t.owner(jo.ownerToken, "GET", "/notifications")).body as Array<{ taskId: string }>).filter((n) => n.taskId === taskId).length;
      assert.ok((await about(shared.id)) > 0 && (await about(mine.id)) > 0);

      assert.equal((await t.owner(owner, "DELETE", `/workspaces/${ws.id}/members/${jo.userId}`)).status, 204);
      assert.equal(await about(shared.id), 0);
      assert.equal((await t.owner(jo.ownerToken, "GET", "/notifications?unread=true")).body.filter((n: { taskId: string }) => n.taskId === shared.id).length, 0);
      const left = await about(mine.id);
      assert.ok(left > 0);
      assert.equal((await t.owner(jo.ownerToken, "GET", "/me")).body.unreadNotifications, left);
    });

    it("gives the tasks a person owns in a workspace to its creator as they are removed or leave; their tasks elsewhere stay theirs", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Handed over" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Handed work" }, { "x-workspace-id": ws.id })).body;
      const [kai, lea] = [await t.hub.writer.run("addUser", { name: "Kai" }), await t.hub.writer.run("addUser", { name: "Lea" })];
      for (const p of [kai, lea]) assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: p.userId }), 201);
      const kaisTasks = [await createTask(t, { projectId: prj.id }, kai.ownerToken), await createTask(t, { projectId: prj.id }, kai.ownerToken)];
      const leasTask = await createTask(t, { projectId: prj.id }, lea.ownerToken);
      // One of Lea's, made Kai's; one of Kai's, made Lea's.
      const given = await createTask(t, { projectId: prj.id }, lea.ownerToken);
      assertStatus(await t.owner(lea.ownerToken, "PATCH", `/tasks/${given.id}`, { ownerId: kai.userId }), 200);
      assertStatus(await t.owner(kai.ownerToken, "PATCH", `/tasks/${kaisTasks[1]!.id}`, { ownerId: lea.userId }), 200);
      const own = (await t.owner(kai.ownerToken, "POST", "/workspaces", { name: "Kai's own" })).body;
      const ownPrj = (await t.owner(kai.ownerToken, "POST", "/projects", { name: "Kai's work" }, { "x-workspace-id": own.id })).body;
      const elsewhere = await createTask(t, { projectId: ownPrj.id }, kai.ownerToken);
      const ownerOf = async (taskId: string) => (await t.owner(owner, "GET", `/tasks/${taskId}`)).body.owner?.id;

      assert.equal((await t.owner(owner, "DELETE", `/workspaces/${ws.id}/members/${kai.userId}`)).status, 204);
      assert.equal(await ownerOf(kaisTasks[0]!.id), me.id);
      assert.equal(await ownerOf(given.id), me.id);
      assert.equal(await ownerOf(kaisTasks[1]!.id), lea.userId);
      assert.equal(await ownerOf(leasTask.id), lea.userId);
      assert.equal((await t.owner(kai.ownerToken, "GET", `/tasks/${elsewhere.id}`)).body.owner.id, kai.userId);
      // The task says so: its creator stays Kai, its owner is the workspace's creator.
      const task = (await t.owner(owner, "GET", `/tasks/${kaisTasks[0]!.id}`)).body;
      assert.deepEqual([task.creator.id, task.owner], [kai.userId, { id: me.id, name: me.name }]);

      // Lea leaves by herself: hers go to the creator too.
      assert.equal((await t.owner(lea.ownerToken, "DELETE", `/workspaces/${ws.id}/members/${lea.userId}`)).status, 204);
      for (const x of [kaisTasks[1]!, leasTask]) assert.equal(await ownerOf(x.id), me.id);
      const owners = await t.database().all<{ owner_id: string }>("SELECT DISTINCT owner_id FROM tasks WHERE workspace_id = ?", [ws.id]);
      assert.deepEqual(owners, [{ owner_id: me.id }]);
    });

    it("GET /projects lists the X-Workspace-Id workspace's projects; POST /projects adds one (201)", async () => {
      const list = await t.owner(owner, "GET", "/projects", undefined, { "x-workspace-id": t.creds.workspaceId });
      assertStatus(list, 200);
      assert.deepEqual(list.body[0], {
        id: t.creds.projectId, workspaceId: t.creds.workspaceId, name: "General", description: "", createdAt: list.body[0].createdAt,
      });
      const res = await t.owner(owner, "POST", "/projects", { name: "Backend", description: "APIs" }, { "x-workspace-id": t.creds.workspaceId });
      assertStatus(res, 201);
      assert.deepEqual({ ...res.body, id: "", createdAt: 0 }, { id: "", workspaceId: t.creds.workspaceId, name: "Backend", description: "APIs", createdAt: 0 });
      const after = await t.owner(owner, "GET", "/projects", undefined, { "x-workspace-id": t.creds.workspaceId });
      assert.ok(after.body.some((p: { id: string }) => p.id === res.body.id));
    });

    it("/projects needs X-Workspace-Id (400) of a workspace you belong to (404)", async () => {
      assertError(await t.owner(owner, "GET", "/projects"), 400, 'Invalid headers: missing required field "x-workspace-id"');
      assertError(await t.owner(owner, "POST", "/projects", { name: "X" }), 400, 'Invalid headers: missing required field "x-workspace-id"');
      assertError(await t.owner(owner, "GET", "/projects", undefined, { "x-workspace-id": "ws_nowhere" }), 404, "Workspace not found");
      assertError(await t.owner(owner, "POST", "/projects", { name: "X" }, { "x-workspace-id": "ws_nowhere" }), 404, "Workspace not found");
    });
  });

  describe("tasks", () => {
    it("POST /tasks creates a task (201) in todo, owned and created by the caller", async () => {
      const res = await t.owner(owner, "POST", "/tasks", {
        projectId: t.creds.projectId, title: "  Fix the login bug ", description: "It crashes", dueDate: "2030-01-10",
        images: [{ url: "https://example.com/s.png", name: "screenshot" }],
      });
      assertStatus(res, 201);
      assert.deepEqual({ ...res.body, id: "", createdAt: 0, updatedAt: 0 }, {
        id: "", title: "Fix the login bug", description: "It crashes",
        images: [{ url: "https://example.com/s.png", name: "screenshot" }], creator: me, owner: me,
        dueDate: "2030-01-10", status: "todo", projectId: t.creds.projectId, workspaceId: t.creds.workspaceId,
        createdAt: 0, updatedAt: 0,
      });
      assert.match(res.body.id, /^task_/);
    });

    it("POST /tasks answers 404 for a project you cannot see", async () => {
      assertError(await t.owner(owner, "POST", "/tasks", { projectId: "prj_nowhere", title: "X" }), 404, "Project not found");
    });

    it("GET /tasks lists your workspaces' tasks newest first, filtered by projectId, status and workspaceId", async () => {
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Filters" }, { "x-workspace-id": t.creds.workspaceId })).body;
      const a = await createTask(t, { projectId: prj.id, title: "a" });
      const b = await createTask(t, { projectId: prj.id, title: "b" });
      await t.owner(owner, "PATCH", `/tasks/${b.id}`, { status: "done" });
      const ids = async (q: string) => {
        const res = await t.owner(owner, "GET", `/tasks${q}`);
        assertStatus(res, 200);
        return res.body.map((x: { id: string }) => x.id);
      };
      assert.deepEqual(await ids(`?projectId=${prj.id}`), [b.id, a.id]);
      assert.deepEqual(await ids(`?projectId=${prj.id}&status=done`), [b.id]);
      assert.deepEqual(await ids(`?projectId=${prj.id}&status=todo`), [a.id]);
      assert.deepEqual(await ids(`?projectId=${prj.id}&limit=1`), [b.id]);
      assert.deepEqual((await ids(`?workspaceId=${t.creds.workspaceId}`)).slice(0, 2), [b.id, a.id]);
      assert.deepEqual(await ids("?workspaceId=ws_nowhere"), []);
    });

    it("GET /tasks pages with before: a full page links to the next (Link rel=next), and the pages hold every task once", async () => {
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Pages" }, { "x-workspace-id": t.creds.workspaceId })).body;
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.unshift((await createTask(t, { projectId: prj.id, title: `page ${i}` })).id);
      assert.deepEqual(await walk(owner, `/tasks?projectId=${prj.id}&limit=2`), { ids: made, pages: [2, 2, 1] });
      // A last page that happens to be full links to an empty one.
      assert.deepEqual(await walk(owner, `/tasks?projectId=${prj.id}&limit=5`), { ids: made, pages: [5, 0] });
      // The filters ride along on every page.
      await t.owner(owner, "PATCH", `/tasks/${made[1]}`, { status: "done" });
      await t.owner(owner, "PATCH", `/tasks/${made[3]}`, { status: "done" });
      assert.deepEqual(await walk(owner, `/tasks?projectId=${prj.id}&status=todo&limit=1`), { ids: [made[0], made[2], made[4]], pages: [1, 1, 1, 0] });
      assert.deepEqual((await t.owner(owner, "GET", `/tasks?projectId=${prj.id}&before=${made[2]}`)).body.map((x: { id: string }) => x.id), [made[3], made[4]]);
    });

    it("GET /tasks merges a person's workspaces and projects newest first, page by page, with each filter", async () => {
      const ivy = await t.hub.writer.run("addUser", { name: "Ivy" });
      assertStatus(await t.owner(ivy.ownerToken, "DELETE", `/workspaces/${t.creds.workspaceId}/members/${ivy.userId}`), 204);
      const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => (await t.owner(ivy.ownerToken, "POST", path, body, headers)).body;
      const [wsA, wsB] = [await post("/workspaces", { name: "A" }), await post("/workspaces", { name: "B" })];
      const [a1, a2] = [await post("/projects", { name: "A1" }, { "x-workspace-id": wsA.id }), await post("/projects", { name: "A2" }, { "x-workspace-id": wsA.id })];
      const b1 = await post("/projects", { name: "B1" }, { "x-workspace-id": wsB.id });
      const made: string[] = [];
      for (const prj of [a1, b1, a2, b1, a1]) made.unshift((await createTask(t, { projectId: prj.id }, ivy.ownerToken)).id);
      const [t5, t4, t3, t2, t1] = made as [string, string, string, string, string];
      assertStatus(await t.owner(ivy.ownerToken, "PATCH", `/tasks/${t3}`, { status: "done" }), 200);
      assertStatus(await t.owner(ivy.ownerToken, "PATCH", `/tasks/${t4}`, { status: "doing" }), 200);
      assert.deepEqual(await walk(ivy.ownerToken, "/tasks?limit=2"), { ids: made, pages: [2, 2, 1] });
      assert.deepEqual(await walk(ivy.ownerToken, "/tasks?status=todo&limit=2"), { ids: [t5, t2, t1], pages: [2, 1] });
      assert.deepEqual(await walk(ivy.ownerToken, `/tasks?workspaceId=${wsA.id}&limit=2`), { ids: [t5, t3, t1], pages: [2, 1] });
      assert.deepEqual(await walk(ivy.ownerToken, `/tasks?workspaceId=${wsA.id}&status=done`), { ids: [t3], pages: [1] });
      assert.deepEqual(await walk(ivy.ownerToken, `/tasks?projectId=${b1.id}&limit=1`), { ids: [t4, t2], pages: [1, 1, 0] });
      assert.deepEqual(await walk(ivy.ownerToken, `/tasks?before=${t3}`), { ids: [t2, t1], pages: [2] });
      // Someone else's workspace: nothing, whatever the filter.
      assert.deepEqual(await walk(owner, `/tasks?workspaceId=${wsA.id}`), { ids: [], pages: [0] });
      assert.deepEqual(await walk(owner, `/tasks?projectId=${b1.id}&status=doing`), { ids: [], pages: [0] });
    });

    it("GET /tasks/:id answers the task with its activity and runs", async () => {
      const task = await createTask(t, { title: "Detail" });
      const run = await delegateTo(t, task.id);
      const res = await t.owner(owner, "GET", `/tasks/${task.id}`);
      assertStatus(res, 200);
      const { activity, runs, ...plain } = res.body;
      assert.deepEqual(plain, task);
      assert.deepEqual(runs.map((r: { id: string; status: string }) => [r.id, r.status]), [[run.id, "PENDING"]]);
      assert.deepEqual(activity.map((a: { type: string; to: string }) => [a.type, a.to]), [["status_change", "PENDING"]]);
    });

    it("PATCH /tasks/:id edits fields, records a status move and an owner change in the feed, and answers the task", async () => {
      const task = await createTask(t, { title: "Edit me", dueDate: "2030-01-01" });
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Moved" }, { "x-workspace-id": t.creds.workspaceId })).body;
      const bob = await t.hub.writer.run("addUser", { name: "Bob" });
      const res = await t.owner(owner, "PATCH", `/tasks/${task.id}`, {
        title: "Edited", description: "New text", status: "doing", dueDate: null, images: [{ url: "https://x/y.png", name: "y" }],
        projectId: prj.id, ownerId: bob.userId,
      });
      assertStatus(res, 200);
      assert.deepEqual(
        [res.body.title, res.body.description, res.body.status, res.body.dueDate, res.body.images, res.body.projectId, res.body.owner],
        ["Edited", "New text", "doing", null, [{ url: "https://x/y.png", name: "y" }], prj.id, { id: bob.userId, name: "Bob" }],
      );
      assert.deepEqual(res.body.creator, me);
      const detail = (await t.owner(owner, "GET", `/tasks/${task.id}`)).body;
      assert.deepEqual(detail.activity.map((a: { subject: string; from: string; to: string }) => [a.subject, a.from, a.to]), [["task", "todo", "doing"], ["owner", me.name, "Bob"]]);
    });

    it("PATCH /tasks/:id refuses a project of another workspace and an owner outside the workspace (400)", async () => {
      const task = await createTask(t);
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Elsewhere" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "P" }, { "x-workspace-id": ws.id })).body;
      assertError(await t.owner(owner, "PATCH", `/tasks/${task.id}`, { projectId: prj.id }), 400, "projectId must be a project of the task's workspace");
      assertError(await t.owner(owner, "PATCH", `/tasks/${task.id}`, { ownerId: "usr_nobody" }), 400, "ownerId must be a member of the task's workspace");
      assertError(await t.owner(owner, "PATCH", `/tasks/${task.id}`, { title: "   " }), 400, "title must not be blank (empty, or only spaces or invisible characters)");
    });
  });

  describe("comments, delegate and runs", () => {
    it("DELETE /tasks/:id: 204, and the task, its feed, runs and notifications are gone; 409 while a run is going; 404 after", async () => {
      const agent = await secondAgent(t, "Deletion Bot");
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Private" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Private" }, { "x-workspace-id": ws.id })).body;
      const task = await createTask(t, { projectId: prj.id, title: "Short-lived" });
      const run = await delegateTo(t, task.id, agent.id);
      assertError(await t.owner(owner, "DELETE", `/tasks/${task.id}`), 409, "Deletion Bot has a run going on this task; stop it first");
      assertStatus(await t.agent(agent.token, "POST", `/runs/${run.id}/start`, { body: "On it" }), 200);
      assertError(await t.owner(owner, "DELETE", `/tasks/${task.id}`), 409, "Deletion Bot has a run going on this task; stop it first");
      assertStatus(await t.agent(agent.token, "POST", `/runs/${run.id}/complete`, { body: "Done" }), 200);
      assert.ok((await t.owner(owner, "GET", "/notifications")).body.some((n: { taskId: string }) => n.taskId === task.id));

      // Someone outside its workspace cannot delete it (it does not exist for them).
      const stranger = await t.hub.writer.run("addUser", { name: "Stranger" });
      assertError(await t.owner(stranger.ownerToken, "DELETE", `/tasks/${task.id}`), 404, "Task not found");

      const deleted = await t.owner(owner, "DELETE", `/tasks/${task.id}`);
      assert.equal(deleted.status, 204);
      assertError(await t.owner(owner, "GET", `/tasks/${task.id}`), 404, "Task not found");
      assertError(await t.owner(owner, "GET", `/runs/${run.id}`), 404, "Run not found");
      assertError(await t.agent(agent.token, "GET", `/runs/${run.id}`), 404, "Run not found");
      assert.ok(!(await t.owner(owner, "GET", "/tasks")).body.some((x: { id: string }) => x.id === task.id));
      assert.ok(!(await t.owner(owner, "GET", "/notifications")).body.some((n: { taskId: string }) => n.taskId === task.id));
      assert.deepEqual((await t.owner(owner, "GET", `/agents/${agent.id}/runs`)).body, []);
      assertError(await t.owner(owner, "DELETE", `/tasks/${task.id}`), 404, "Task not found");
      assertError(await t.owner(owner, "POST", `/tasks/${task.id}/comments`, { body: "Anyone?" }), 404, "Task not found");
    });

    it("POST /tasks/:id/comments without a mention: 201 { comment, runId: null, runs: [] }", async () => {
      const task = await createTask(t);
      const res = await t.owner(owner, "POST", `/tasks/${task.id}/comments`, { body: "Looks good to me" });
      assertStatus(res, 201);
      assert.equal(res.body.runId, null);
      assert.deepEqual(res.body.runs, []);
      assert.deepEqual(res.body.ambiguousMentions, []);
      assert.deepEqual([res.body.comment.type, res.body.comment.body, res.body.comment.author], ["comment", "Looks good to me", { ...me, kind: "user" }]);
    });

    it("a comment that @mentions your agent creates a PENDING run with the comment as its prompt, and answers its runId", async () => {
      const task = await createTask(t);
      const res = await t.owner(owner, "POST", `/tasks/${task.id}/comments`, { body: "@openclaw bot please fix the flaky test" });
      assertStatus(res, 201);
      assert.match(res.body.runId, /^run_/);
      assert.deepEqual(res.body.runs.map((r: { id: string }) => r.id), [res.body.runId]);
      const run = (await t.agent(t.creds.agentToken, "GET", `/runs/${res.body.runId}`)).body;
      assert.deepEqual([run.status, run.prompt, run.taskId, run.owner.id], ["PENDING", "@openclaw bot please fix the flaky test", task.id, me.id]);
      assert.ok((await t.agent(t.creds.agentToken, "GET", "/runs?status=PENDING")).body.some((r: { id: string }) => r.id === res.body.runId));
    });

    it("a comment that @mentions two of your agents delegates to both; an agent already on the task gets no second run", async () => {
      const task = await createTask(t);
      const helper = await secondAgent(t, "Helper");
      await delegateTo(t, task.id);
      const res = await t.owner(owner, "POST", `/tasks/${task.id}/comments`, { body: "@OpenClaw Bot and @Helper, team up" });
      assertStatus(res, 201);
      assert.deepEqual(res.body.runs.map((r: { agent: { id: string } }) => r.agent.id), [helper.id]);
      assert.equal(res.body.runId, res.body.runs[0].id);
      const runs = (await t.owner(owner, "GET", `/tasks/${task.id}`)).body.runs;
      assert.equal(runs.length, 2);
    });

    it("a comment's runs follow the order of its @mentions, and runId is the first one's", async () => {
      const task = await createTask(t);
      const sidekick = await secondAgent(t, "Sidekick Two");
      const res = await t.owner(owner, "POST", `/tasks/${task.id}/comments`, { body: "@sidekick two draft it, then @OpenClaw Bot reviews" });
      assertStatus(res, 201);
      assert.deepEqual(res.body.runs.map((r: { agent: { id: string } }) => r.agent.id), [sidekick.id, t.creds.agentId]);
      assert.equal(res.body.runId, res.body.runs[0].id);
    });

    it("POST /tasks/:id/delegate: 201 PENDING run whose prompt defaults to the title and description", async () => {
      const withDescription = await createTask(t, { title: "Title", description: "Body text" });
      const res = await t.owner(owner, "POST", `/tasks/${withDescription.id}/delegate`, { agentId: t.creds.agentId });
      assertStatus(res, 201);
      assert.deepEqual([res.body.status, res.body.prompt, res.body.taskId, res.body.lastFollowUpMessage], ["PENDING", "Title\n\nBody text", withDescription.id, null]);
      const titleOnly = await createTask(t, { title: "Just a title" });
      assert.equal((await delegateTo(t, titleOnly.id)).prompt, "Just a title");
      const custom = await createTask(t, { title: "Custom" });
      assert.equal((await delegateTo(t, custom.id, t.creds.agentId, owner, "Do exactly this")).prompt, "Do exactly this");
      const invisible = await createTask(t, { title: "Invisible prompt" });
      assert.equal((await delegateTo(t, invisible.id, t.creds.agentId, owner, "\u200b \u200d")).prompt, "Invisible prompt");
    });

    it("POST /tasks/:id/delegate answers 409 while the agent has a PENDING or RUNNING run on the task, and 201 once it ended", async () => {
      const task = await createTask(t);
      const run = await delegateTo(t, task.id);
      const again = () => t.owner(owner, "POST", `/tasks/${task.id}/delegate`, { agentId: t.creds.agentId });
      assertError(await again(), 409, "OpenClaw Bot already has a pending or running run on this task");
      await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, {});
      assertError(await again(), 409, "OpenClaw Bot already has a pending or running run on this task");
      await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/complete`, {});
      assertStatus(await again(), 201);
      // Another agent of yours may work on the same task meanwhile.
      const other = await secondAgent(t, "Parallel Bot");
      assertStatus(await t.owner(owner, "POST", `/tasks/${task.id}/delegate`, { agentId: other.id }), 201);
    });

    it("POST /tasks/:id/delegate answers 404 for an unknown agent and for an agent you did not create", async () => {
      const task = await createTask(t);
      assertError(await t.owner(owner, "POST", `/tasks/${task.id}/delegate`, { agentId: "agt_nobody" }), 404, "Agent not found");
      const dana = await t.hub.writer.run("addUser", { name: "Dana" });
      const danas = await t.owner(dana.ownerToken, "POST", "/agents", { name: "Dana Bot" });
      assertError(await t.owner(owner, "POST", `/tasks/${task.id}/delegate`, { agentId: danas.body.id }), 404, "Agent not found");
    });

    it("GET /runs/:id answers the detail the agent sees, and the run it retried (retryOf) and when a comment was edited (editedAt)", async () => {
      const task = await createTask(t, { description: "Same shape" });
      const run = await delegateTo(t, task.id);
      await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, { body: "Starting" });
      const mine = await t.owner(owner, "GET", `/runs/${run.id}`);
      assertStatus(mine, 200);
      const theirs = (await t.agent(t.creds.agentToken, "GET", `/runs/${run.id}`)).body;
      assert.deepEqual(mine.body, { ...theirs, retryOf: null, activity: theirs.activity.map((a: object) => ({ ...a, editedAt: null })) });
      assert.deepEqual(Object.keys(mine.body).sort(), [
        "activity", "agent", "createdAt", "endedAt", "id", "lastFollowUpMessage", "owner", "projectId", "prompt", "retryOf", "startedAt",
        "status", "stepCostUsd", "task", "taskId", "taskTitle", "totalCostUsd", "workspaceId",
      ]);
    });

    it("POST /runs/:id/follow-up: 201 new PENDING run on the same task with the message as prompt and lastFollowUpMessage", async () => {
      const task = await createTask(t);
      const run = await delegateTo(t, task.id);
      await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, {});
      assertError(await t.owner(owner, "POST", `/runs/${run.id}/follow-up`, { message: "More" }), 409, "Cannot follow up on a run that is RUNNING", { status: "RUNNING" });
      await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/complete`, { body: "Done" });
      const res = await t.owner(owner, "POST", `/runs/${run.id}/follow-up`, { message: " Can you also add tests? " });
      assertStatus(res, 201);
      assert.notEqual(res.body.id, run.id);
      assert.deepEqual(
        [res.body.status, res.body.taskId, res.body.prompt, res.body.lastFollowUpMessage, res.body.agent.id],
        ["PENDING", task.id, "Can you also add tests?", "Can you also add tests?", t.creds.agentId],
      );
      // At most one PENDING/RUNNING run per task and agent: a second follow-up on the old run waits.
      assertError(await t.owner(owner, "POST", `/runs/${run.id}/follow-up`, { message: "And docs" }), 409, "OpenClaw Bot already has a pending or running run on this task");
      const feed = (await t.owner(owner, "GET", `/runs/${res.body.id}`)).body.activity;
      assert.deepEqual(feed.at(-2), { ...feed.at(-2), type: "comment", runId: res.body.id, body: "Can you also add tests?" });
    });

    it("POST /runs/:id/stop: 200 STOPPED from PENDING or RUNNING, 409 once ended", async () => {
      const pending = await delegateTo(t, (await createTask(t)).id);
      const stopped = await t.owner(owner, "POST", `/runs/${pending.id}/stop`);
      assertStatus(stopped, 200);
      assert.equal(stopped.body.status, "STOPPED");
      assert.equal(typeof stopped.body.endedAt, "number");
      assertError(await t.owner(owner, "POST", `/runs/${pending.id}/stop`), 409, "Cannot stop a run that is STOPPED", { status: "STOPPED" });
      const running = await delegateTo(t, (await createTask(t)).id);
      await t.agent(t.creds.agentToken, "POST", `/runs/${running.id}/start`, {});
      assert.equal((await t.owner(owner, "POST", `/runs/${running.id}/stop`)).body.status, "STOPPED");
      assertError(await t.agent(t.creds.agentToken, "POST", `/runs/${running.id}/comment`, { body: "still here" }), 409, "Cannot comment on a run that is STOPPED", { status: "STOPPED" });
    });
  });

  describe("notifications", () => {
    it("lists notifications newest first, ?unread=true only the unread, and POST /notifications/read marks them", async () => {
      const erin = await t.hub.writer.run("addUser", { name: "Erin" });
      const agent = await t.owner(erin.ownerToken, "POST", "/agents", { name: "Erin Bot" });
      const task = await createTask(t, { title: "Erin's task" }, erin.ownerToken);
      const run = await delegateTo(t, task.id, agent.body.id, erin.ownerToken);
      const a = agent.body.token;
      await t.agent(a, "POST", `/runs/${run.id}/start`, { body: "Starting" });
      await t.agent(a, "POST", `/runs/${run.id}/comment`, { body: "Halfway" });
      await t.agent(a, "POST", `/runs/${run.id}/complete`, { body: "Done" });

      const all = await t.owner(erin.ownerToken, "GET", "/notifications");
      assertStatus(all, 200);
      assert.deepEqual(all.body.map((n: { type: string; body: string }) => [n.type, n.body]), [
        ["run_finished", "Done"], ["run_comment", "Halfway"], ["run_started", "Starting"],
      ]);
      assert.deepEqual(Object.keys(all.body[0]).sort(), ["actor", "body", "createdAt", "id", "readAt", "runId", "taskId", "taskTitle", "type", "workspaceId"]);
      assert.deepEqual([all.body[0].taskTitle, all.body[0].runId, all.body[0].actor], ["Erin's task", run.id, { id: agent.body.agentUserId, name: "Erin Bot" }]);
      assert.equal((await t.owner(erin.ownerToken, "GET", "/me")).body.unreadNotifications, 3);

      const read = await t.owner(erin.ownerToken, "POST", "/notifications/read", { ids: [all.body[0].id, all.body[2].id] });
      assertStatus(read, 200);
      assert.deepEqual(read.body, { updated: 2 });
      const unread = await t.owner(erin.ownerToken, "GET", "/notifications?unread=true");
      assert.deepEqual(unread.body.map((n: { id: string }) => n.id), [all.body[1].id]);
      assert.equal((await t.owner(erin.ownerToken, "GET", "/me")).body.unreadNotifications, 1);
      const again = await t.owner(erin.ownerToken, "GET", "/notifications");
      assert.equal(typeof again.body[0].readAt, "number");
      assert.equal(again.body[1].readAt, null);
      assert.equal((await t.owner(erin.ownerToken, "GET", "/notifications?unread=false")).body.length, 3);
      // Already read, or someone else's: nothing changes.
      assert.deepEqual((await t.owner(erin.ownerToken, "POST", "/notifications/read", { ids: [all.body[0].id] })).body, { updated: 0 });
      assert.deepEqual((await t.owner(owner, "POST", "/notifications/read", { ids: [all.body[1].id] })).body, { updated: 0 });
      assert.deepEqual((await t.owner(erin.ownerToken, "POST", "/notifications/read", { ids: [] })).body, { updated: 0 });
      assert.equal((await t.owner(erin.ownerToken, "GET", "/me")).body.unreadNotifications, 1);
      assert.deepEqual(await walk(erin.ownerToken, "/notifications?limit=2"), { ids: all.body.map((n: { id: string }) => n.id), pages: [2, 1] });
      assert.deepEqual(await walk(erin.ownerToken, "/notifications?unread=true&limit=1"), { ids: [all.body[1].id], pages: [1, 0] });
    });

    it("tells a task's new owner it is theirs (task_assigned) on a PATCH of its owner by someone else", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Assigned" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Assigned work" }, { "x-workspace-id": ws.id })).body;
      const [mo, ned] = [await t.hub.writer.run("addUser", { name: "Mo" }), await t.hub.writer.run("addUser", { name: "Ned" })];
      for (const p of [mo, ned]) assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: p.userId }), 201);
      type Told = { type: string; taskId: string; taskTitle: string; actor: { id: string; name: string }; body: string; runId: string | null; workspaceId: string };
      const told = async (token: string, taskId: string) =>
        ((await t.owner(token, "GET", "/notifications")).body as Told[]).filter((n) => n.taskId === taskId)
          .map((n) => [n.type, n.taskTitle, n.actor, n.runId, n.workspaceId, n.body]);
      const report = await createTask(t, { projectId: prj.id, title: "Report" }, mo.ownerToken);

      assertStatus(await t.owner(mo.ownerToken, "PATCH", `/tasks/${report.id}`, { ownerId: ned.userId, title: "Q3 report" }), 200);
      assert.deepEqual(await told(ned.ownerToken, report.id), [["task_assigned", "Q3 report", { id: mo.userId, name: "Mo" }, null, ws.id, 'Mo gave you "Q3 report"']]);
      // Its owner unchanged, or taken by oneself: no one is told.
      assertStatus(await t.owner(mo.ownerToken, "PATCH", `/tasks/${report.id}`, { ownerId: ned.userId }), 200);
      assertStatus(await t.owner(ned.ownerToken, "PATCH", `/tasks/${report.id}`, { ownerId: ned.userId, status: "doing" }), 200);
      assert.equal((await told(ned.ownerToken, report.id)).length, 1);
      const mine = await createTask(t, { projectId: prj.id, title: "Mine" }, mo.ownerToken);
      assertStatus(await t.owner(owner, "PATCH", `/tasks/${mine.id}`, { ownerId: me.id }), 200);
      assert.deepEqual(await told(owner, mine.id), []);
      assert.deepEqual(await told(mo.ownerToken, mine.id), []);
    });

    it("a PATCH of a task's owner records who gave it from whom to whom in its feed; one of the values stored changes nothing, updatedAt included", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Owners" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Owner work" }, { "x-workspace-id": ws.id })).body;
      const [ida, jo] = [await t.hub.writer.run("addUser", { name: "Ida" }), await t.hub.writer.run("addUser", { name: "Jo" })];
      for (const p of [ida, jo]) assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: p.userId }), 201);
      const task = await createTask(t, { projectId: prj.id, title: "Audit", description: "All of it", dueDate: "2027-01-31" }, ida.ownerToken);

      assertStatus(await t.owner(ida.ownerToken, "PATCH", `/tasks/${task.id}`, { ownerId: jo.userId }), 200);
      const detail = (await t.owner(ida.ownerToken, "GET", `/tasks/${task.id}`)).body;
      const change = detail.activity.at(-1);
      assert.deepEqual([change.type, change.subject, change.from, change.to, change.author.id, change.body], ["status_change", "owner", "Ida", "Jo", ida.userId, ""]);

      const same = await t.owner(jo.ownerToken, "PATCH", `/tasks/${task.id}`, {
        ownerId: jo.userId, title: "Audit", description: "All of it", dueDate: "2027-01-31", status: detail.status, projectId: prj.id, images: detail.images,
      });
      assertStatus(same, 200);
      assert.equal(same.body.updatedAt, detail.updatedAt);
      const after = (await t.owner(jo.ownerToken, "GET", `/tasks/${task.id}`)).body;
      assert.equal(after.updatedAt, detail.updatedAt);
      assert.equal(after.activityCount ?? after.activity.length, detail.activityCount ?? detail.activity.length);
      assert.deepEqual(((await t.owner(ida.ownerToken, "GET", "/notifications")).body as Array<{ taskId: string }>).filter((n) => n.taskId === task.id), []);
    });

    it("tells each workspace member a comment @mentions (mention), by a person or by an agent, never its author nor someone outside", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Mentions" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Mention work" }, { "x-workspace-id": ws.id })).body;
      const [kai, lee, out] = [
        await t.hub.writer.run("addUser", { name: "Kai" }), await t.hub.writer.run("addUser", { name: "Lee Ann" }), await t.hub.writer.run("addUser", { name: "Out" }),
      ];
      for (const p of [kai, lee]) assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: p.userId }), 201);
      const task = await createTask(t, { projectId: prj.id, title: "Plan" }, kai.ownerToken);
      const told = async (token: string) =>
        ((await t.owner(token, "GET", "/notifications")).body as Array<Record<string, unknown>>).filter((n) => n.taskId === task.id)
          .map((n) => [n.type, n.actor, n.runId, n.body]);

      const said = "@lee ann and @Kai: see @Out, @Leena";
      assertStatus(await t.owner(kai.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: said }), 201);
      assert.deepEqual(await told(lee.ownerToken), [["mention", { id: kai.userId, name: "Kai" }, null, said]]);
      assert.deepEqual(await told(kai.ownerToken), []);
      assert.deepEqual(await told(out.ownerToken), []);

      // An agent's comment: its run's owner hears of it once (run_comment), the person it names (mention).
      const bot = (await t.owner(kai.ownerToken, "POST", "/agents", { name: "Kai Bot" })).body;
      const run = await delegateTo(t, task.id, bot.id, kai.ownerToken);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${run.id}/start`), 200);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${run.id}/comment`, { body: "Done, @Lee Ann and @kai" }), 201);
      assert.deepEqual((await told(lee.ownerToken))[0], ["mention", { id: bot.agentUserId, name: "Kai Bot" }, run.id, "Done, @Lee Ann and @kai"]);
      assert.deepEqual((await told(kai.ownerToken)).map((n) => n[0]), ["run_comment", "run_started"]);
      // A person's @mention of their agent still delegates to it.
      assertStatus(await t.agent(bot.token, "POST", `/runs/${run.id}/complete`), 200);
      const mentioned = await t.owner(kai.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "@Kai Bot again" });
      assert.equal(mentioned.body.runs.length, 1);
      assert.equal((await told(lee.ownerToken)).length, 2);
    });

    it("an @mention of a name two go by (two members, or a member and your agent) starts no run, tells neither, and the answer says so; your own name is not one of them", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Namesakes" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Namesake work" }, { "x-workspace-id": ws.id })).body;
      const add = async (name: string) => {
        const person = await t.hub.writer.run("addUser", { name });
        assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: person.userId }), 201);
        return person;
      };
      const [kai, sam1, sam2, ada, rio1, rio2, lee] = [await add("Kai"), await add("Sam"), await add("SAM"), await add("Ada"), await add("Rio"), await add("Rio"), await add("Lee")];
      const task = await createTask(t, { projectId: prj.id, title: "Who?" }, kai.ownerToken);
      const told = async (person: { ownerToken: string }) =>
        ((await t.owner(person.ownerToken, "GET", "/notifications")).body as Array<Record<string, unknown>>).filter((n) => n.taskId === task.id)
          .map((n) => [n.type, n.body]);
      const bot = (await t.owner(kai.ownerToken, "POST", "/agents", { name: "ada" })).body;

      const said = await t.owner(kai.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "@sam and @Ada, with @Lee: look" });
      assertStatus(said, 201);
      assert.deepEqual([said.body.runs, said.body.runId, said.body.ambiguousMentions], [[], null, ["Sam", "ada"]]);
      for (const person of [sam1, sam2, ada]) assert.deepEqual(await told(person), []);
      assert.deepEqual(await told(lee), [["mention", "@sam and @Ada, with @Lee: look"]]);
      assert.deepEqual((await t.owner(kai.ownerToken, "GET", `/agents/${bot.id}/runs`)).body, []);

      // The author is never told of their own words, so a name they share names the other one.
      const rio = await t.owner(rio1.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "@Rio, over to you" });
      assert.deepEqual(rio.body.ambiguousMentions, []);
      assert.deepEqual(await told(rio2), [["mention", "@Rio, over to you"]]);
      assert.deepEqual(await told(rio1), []);

      // An agent's words: the same rule among the members, its answer unchanged.
      const run = await delegateTo(t, task.id, bot.id, kai.ownerToken);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${run.id}/start`), 200);
      const comment = await t.agent(bot.token, "POST", `/runs/${run.id}/comment`, { body: "Done, @Sam and @Ada" });
      assertStatus(comment, 201);
      assert.deepEqual(Object.keys(comment.body).sort(), ["author", "body", "createdAt", "from", "id", "runId", "subject", "to", "type"]);
      for (const person of [sam1, sam2]) assert.deepEqual(await told(person), []);
      assert.deepEqual(await told(ada), [["mention", "Done, @Sam and @Ada"]]);
    });

    it("an agent's start, finish or error that @mentions a member tells them (mention), and its run's owner only once", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Reports" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Report work" }, { "x-workspace-id": ws.id })).body;
      const [kai, ann] = [await t.hub.writer.run("addUser", { name: "Kai" }), await t.hub.writer.run("addUser", { name: "Ann" })];
      for (const p of [kai, ann]) assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: p.userId }), 201);
      const task = await createTask(t, { projectId: prj.id, title: "Report" }, kai.ownerToken);
      const told = async (person: { ownerToken: string }) =>
        ((await t.owner(person.ownerToken, "GET", "/notifications")).body as Array<Record<string, unknown>>).filter((n) => n.taskId === task.id)
          .map((n) => [n.type, n.actor && (n.actor as { name: string }).name, n.runId, n.body]).reverse();
      const bot = (await t.owner(kai.ownerToken, "POST", "/agents", { name: "Kai Bot" })).body;

      const first = await delegateTo(t, task.id, bot.id, kai.ownerToken);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${first.id}/start`, { body: "On it, @ann" }), 200);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${first.id}/complete`, { body: "@Ann please review; @Kai FYI" }), 200);
      const second = await delegateTo(t, task.id, bot.id, kai.ownerToken);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${second.id}/error`, { body: "Blocked: @Ann has the keys" }), 200);
      assert.deepEqual(await told(ann), [
        ["mention", "Kai Bot", first.id, "On it, @ann"],
        ["mention", "Kai Bot", first.id, "@Ann please review; @Kai FYI"],
        ["mention", "Kai Bot", second.id, "Blocked: @Ann has the keys"],
      ]);
      assert.deepEqual((await told(kai)).map((n) => n[0]), ["run_started", "run_finished", "run_error"]);
    });

    it("as someone leaves a workspace, its creator is told once (tasks_handed_over) for all the tasks they owned, and each task's feed says who owns it now and why", async () => {
      const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Handed" })).body;
      const prj = (await t.owner(owner, "POST", "/projects", { name: "Handed work" }, { "x-workspace-id": ws.id })).body;
      const [ann, bo] = [await t.hub.writer.run("addUser", { name: "Ann" }), await t.hub.writer.run("addUser", { name: "Bo" })];
      for (const p of [ann, bo]) assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: p.userId }), 201);
      // More than one statement's worth of feed entries (100 a statement).
      const anns = [];
      for (let i = 0; i < 101; i++) anns.push(await createTask(t, { projectId: prj.id, title: `Ann's ${i}` }, ann.ownerToken));
      const bos = await createTask(t, { projectId: prj.id, title: "Bo's only" }, bo.ownerToken);
      const before = (await t.owner(owner, "GET", "/me")).body.unreadNotifications;

      assert.equal((await t.owner(ann.ownerToken, "DELETE", `/workspaces/${ws.id}/members/${ann.userId}`)).status, 204);
      const mine = (await t.owner(owner, "GET", `/notifications?limit=500`)).body.filter((n: { workspaceId: string }) => n.workspaceId === ws.id);
      assert.deepEqual(mine.map((n: Record<string, unknown>) => [n.type, n.taskId, n.taskTitle, n.runId, n.actor, n.body]), [
        ["tasks_handed_over", null, null, null, { id: ann.userId, name: "Ann" }, "Ann left Handed: the 101 tasks they owned there are yours now"],
      ]);
      assert.equal((await t.owner(owner, "GET", "/me")).body.unreadNotifications, before + 1);
      for (const task of [anns[0]!, anns[100]!]) {
        const detail = (await t.owner(owner, "GET", `/tasks/${task.id}`)).body;
        assert.equal(detail.owner.id, me.id);
        const change = detail.activity.at(-1);
        assert.deepEqual([change.type, change.subject, change.from, change.to, change.body, change.author.id], [
          "status_change", "owner", "Ann", me.name, "Ann left the workspace", ann.userId,
        ]);
      }

      // The creator removes Bo: Bo's task is the creator's, whose feed says so, and who needs no telling.
      assert.equal((await t.owner(owner, "DELETE", `/workspaces/${ws.id}/members/${bo.userId}`)).status, 204);
      const detail = (await t.owner(owner, "GET", `/tasks/${bos.id}`)).body;
      assert.equal(detail.owner.id, me.id);
      assert.deepEqual([detail.activity.at(-1).subject, detail.activity.at(-1).from, detail.activity.at(-1).body], ["owner", "Bo", `${me.name} removed Bo from the workspace`]);
      assert.equal((await t.owner(owner, "GET", "/notifications?limit=500")).body.filter((n: { workspaceId: string }) => n.workspaceId === ws.id).length, 1);
      // The run detail an agent reads carries the entry too.
      const run = await delegateTo(t, bos.id);
      const seen = (await t.agent(t.creds.agentToken, "GET", `/runs/${run.id}`)).body.activity;
      assert.equal(seen.filter((a: { subject: string }) => a.subject === "owner").length, 1);
      assertStatus(await t.owner(owner, "POST", `/runs/${run.id}/stop`), 200);

      // The workspace deleted: the notification about it goes with it.
      assert.equal((await t.owner(owner, "DELETE", `/workspaces/${ws.id}`)).status, 204);
      assert.deepEqual((await t.owner(owner, "GET", "/notifications?limit=500")).body.filter((n: { workspaceId: string }) => n.workspaceId === ws.id), []);
      assert.equal((await t.owner(owner, "GET", "/me")).body.unreadNotifications, before);
    });

    it("POST /notifications/read-all {upTo} marks every one of yours up to that one read, however many, and none that came after", async () => {
      const fay = await t.hub.writer.run("addUser", { name: "Fay" });
      const agent = await t.owner(fay.ownerToken, "POST", "/agents", { name: "Fay Bot" });
      const task = await createTask(t, { title: "Fay's task" }, fay.ownerToken);
      const run = await delegateTo(t, task.id, agent.body.id, fay.ownerToken);
      await t.agent(agent.body.token, "POST", `/runs/${run.id}/start`, { body: "Starting" });
      // More than any page shows: a busy agent's progress comments.
      for (let i = 0; i < 120; i++) await t.agent(agent.body.token, "POST", `/runs/${run.id}/comment`, { body: `Step ${i}` });
      const seen = (await t.owner(fay.ownerToken, "GET", "/notifications?limit=1")).body[0];
      await t.agent(agent.body.token, "POST", `/runs/${run.id}/comment`, { body: "After she looked" });
      const read = await t.owner(fay.ownerToken, "POST", "/notifications/read-all", { upTo: seen.id });
      assertStatus(read, 200);
      assert.deepEqual(read.body, { updated: 121 });
      const unread = await t.owner(fay.ownerToken, "GET", "/notifications?unread=true");
      assert.deepEqual(unread.body.map((n: { body: string }) => n.body), ["After she looked"]);
      assert.equal((await t.owner(fay.ownerToken, "GET", "/me")).body.unreadNotifications, 1);
      // Someone else's notification as the bound marks only your own.
      assertStatus(await t.owner(owner, "POST", "/notifications/read-all", { upTo: unread.body[0].id }), 200);
      assert.equal((await t.owner(fay.ownerToken, "GET", "/me")).body.unreadNotifications, 1);
    });

    it("POST /notifications/read-task {taskId} marks the newest 500 unread of yours about that task read, none about other tasks, none of others'", async () => {
      const gus = await t.hub.writer.run("addUser", { name: "Gus" });
      const agent = await t.owner(gus.ownerToken, "POST", "/agents", { name: "Gus Bot" });
      const busy = async (title: string, comments: number) => {
        const task = await createTask(t, { title }, gus.ownerToken);
        const run = await delegateTo(t, task.id, agent.body.id, gus.ownerToken);
        await t.agent(agent.body.token, "POST", `/runs/${run.id}/start`, { body: "Starting" });
        for (let i = 0; i < comments; i++) await t.agent(agent.body.token, "POST", `/runs/${run.id}/comment`, { body: `${title} ${i}` });
        return task;
      };
      // 502 about this one (its start and 501 comments), 2 about another.
      const opened = await busy("Opened", 501);
      const other = await busy("Other", 1);
      assert.equal((await t.owner(gus.ownerToken, "GET", "/me")).body.unreadNotifications, 504);
      // Someone else opening it marks nothing of Gus's.
      assert.deepEqual((await t.owner(owner, "POST", "/notifications/read-task", { taskId: opened.id })).body, { updated: 0 });

      const read = await t.owner(gus.ownerToken, "POST", "/notifications/read-task", { taskId: opened.id });
      assertStatus(read, 200);
      assert.deepEqual(read.body, { updated: 500 });
      const unread = await t.owner(gus.ownerToken, "GET", "/notifications?unread=true");
      assert.deepEqual(unread.body.map((n: { taskId: string; body: string }) => [n.taskId, n.body]), [
        [other.id, "Other 0"], [other.id, "Starting"], [opened.id, "Opened 0"], [opened.id, "Starting"],
      ], "the other task's, and the two oldest past the bound");
      assert.deepEqual((await t.owner(gus.ownerToken, "POST", "/notifications/read-task", { taskId: opened.id })).body, { updated: 2 });
      assert.deepEqual((await t.owner(gus.ownerToken, "POST", "/notifications/read-task", { taskId: "task_nope" })).body, { updated: 0 });
      assert.equal((await t.owner(gus.ownerToken, "GET", "/me")).body.unreadNotifications, 2);
      assertError(await t.owner(gus.ownerToken, "POST", "/notifications/read-task", {}), 400, 'Invalid body: missing required field "taskId"');
    });
  });
});
