/**
 * GET /runs: the runs of your agents across your workspaces, newest first, filtered by status, agent and
 * workspace, paged with Link rel="next", with how many are in each status; never someone else's runs, nor
 * those in a workspace you are no longer in.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask, delegateTo, runIn, secondAgent } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

interface Row { id: string; status: string; taskId: string; taskTitle: string; projectId: string; workspaceId: string; agent: { id: string; name: string } }

describe("GET /runs", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  /** A person of their own with a workspace, a project and an agent: their runs are theirs alone. */
  async function person(name: string) {
    const user = await t.hub.writer.run("addUser", { name });
    const ws = (await t.owner(user.ownerToken, "POST", "/workspaces", { name: `${name}'s` })).body.id as string;
    const prj = (await t.owner(user.ownerToken, "POST", "/projects", { name: "Work" }, { "x-workspace-id": ws })).body.id as string;
    const bot = await secondAgent(t, `${name} Bot`, user.ownerToken);
    /** A run of `agentId` (their bot) on a new task, driven to `status`. */
    const run = async (status: "PENDING" | "RUNNING" | "FINISHED" | "ERROR" | "STOPPED", agent = bot, project = prj) => {
      const task = await createTask(t, { projectId: project, title: `${name} ${status}` }, user.ownerToken);
      const made = await delegateTo(t, task.id, agent.id, user.ownerToken);
      const step = async (path: string, by: "agent" | "owner") => assertStatus(await (by === "agent"
        ? t.agent(agent.token, "POST", `/runs/${made.id}/${path}`, { body: path })
        : t.owner(user.ownerToken, "POST", `/runs/${made.id}/${path}`)), 200);
      if (status !== "PENDING" && status !== "STOPPED") await step("start", "agent");
      if (status === "FINISHED") await step("complete", "agent");
      if (status === "ERROR") await step("error", "agent");
      if (status === "STOPPED") await step("stop", "owner");
      return made.id as string;
    };
    return { ...user, ws, prj, bot, run };
  }

  const list = async (token: string, query = "") => {
    const res = await t.owner(token, "GET", `/runs${query}`);
    assertStatus(res, 200);
    return res.body as { runs: Row[]; counts: Record<string, number> };
  };

  it("says why each failed run failed, in the words its agent ended it with after its progress comments; other runs, and a failure given no words, say nothing", async () => {
    const cy = await person("Cy");
    const failedRun = async (words?: string) => {
      const task = await createTask(t, { projectId: cy.prj, title: "Cy fails" }, cy.ownerToken);
      const made = await delegateTo(t, task.id, cy.bot.id, cy.ownerToken);
      assertStatus(await t.agent(cy.bot.token, "POST", `/runs/${made.id}/start`, {}), 200);
      for (const body of ["Reading the repo", "Running the build"]) assertStatus(await t.agent(cy.bot.token, "POST", `/runs/${made.id}/comment`, { body }), 201);
      assertStatus(await t.agent(cy.bot.token, "POST", `/runs/${made.id}/error`, words === undefined ? {} : { body: words }), 200);
      return made.id as string;
    };
    const worded = await failedRun("The build broke:\nnpm ERR! 404 left-pad");
    const silent = await failedRun();
    const finished = await cy.run("FINISHED");
    const { runs } = await list(cy.ownerToken);
    const errorOf = (id: string) => (runs.find((r) => r.id === id) as Row & { error: string | null }).error;
    assert.equal(errorOf(worded), "The build broke:\nnpm ERR! 404 left-pad");
    assert.equal(errorOf(silent), null);
    assert.equal(errorOf(finished), null);
    const failed = await list(cy.ownerToken, "?status=ERROR");
    assert.deepEqual(failed.runs.map((r) => (r as Row & { error: string | null }).error), [null, "The build broke:\nnpm ERR! 404 left-pad"]);
  });

  it("lists your agents' runs newest first across your workspaces, each with its task, project, workspace and agent, and counts them by status", async () => {
    const ann = await person("Ann");
    const other = (await t.owner(ann.ownerToken, "POST", "/workspaces", { name: "Side" })).body.id as string;
    const side = (await t.owner(ann.ownerToken, "POST", "/projects", { name: "Side" }, { "x-workspace-id": other })).body.id as string;
    const second = await secondAgent(t, "Ann Two", ann.ownerToken);
    const ids = [await ann.run("FINISHED"), await ann.run("RUNNING", second, side), await ann.run("ERROR"), await ann.run("PENDING")];
    const { runs, counts } = await list(ann.ownerToken);
    assert.deepEqual(runs.map((r) => r.id), [...ids].reverse());
    assert.deepEqual(counts, { PENDING: 1, RUNNING: 1, ERROR: 1 });
    const running = runs.find((r) => r.id === ids[1])!;
    assert.equal(running.status, "RUNNING");
    assert.equal(running.taskTitle, "Ann RUNNING");
    assert.equal(running.projectId, side);
    assert.equal(running.workspaceId, other);
    assert.deepEqual(running.agent, { id: second.id, name: "Ann Two" });
    assert.ok(running.taskId.startsWith("task_"));
  });

  it("never lists another person's runs, even on a task they share with you", async () => {
    const bea = await person("Bea");
    const cal = await person("Cal");
    assertStatus(await t.owner(bea.ownerToken, "POST", `/workspaces/${bea.ws}/members`, { userId: cal.userId }), 201);
    const shared = await createTask(t, { projectId: bea.prj, title: "Shared" }, bea.ownerToken);
    const beas = (await delegateTo(t, shared.id, bea.bot.id, bea.ownerToken)).id;
    const cals = (await delegateTo(t, shared.id, cal.bot.id, cal.ownerToken)).id;
    assert.deepEqual((await list(bea.ownerToken)).runs.map((r) => r.id), [beas]);
    assert.deepEqual((await list(cal.ownerToken)).runs.map((r) => r.id), [cals]);
    // Another's agent as the filter finds nothing (as an unknown one), and counts nothing.
    const theirs = await list(bea.ownerToken, `?agentId=${cal.bot.id}`);
    assert.deepEqual(theirs, { runs: [], counts: { PENDING: 0, RUNNING: 0, ERROR: 0 } });
    assert.deepEqual((await list(bea.ownerToken, "?agentId=agt_unknown")).runs, []);
  });

  it("leaves out the runs in a workspace you left: not listed, not counted, their task's title not shown", async () => {
    const dan = await person("Dan");
    const eve = await person("Eve");
    assertStatus(await t.owner(eve.ownerToken, "POST", `/workspaces/${eve.ws}/members`, { userId: dan.userId }), 201);
    const secret = await createTask(t, { projectId: eve.prj, title: "Eve's secret plan" }, eve.ownerToken);
    const there = (await delegateTo(t, secret.id, dan.bot.id, dan.ownerToken)).id;
    const mine = await dan.run("FINISHED");
    assert.deepEqual((await list(dan.ownerToken)).runs.map((r) => r.id), [mine, there]);
    assert.equal((await t.owner(dan.ownerToken, "DELETE", `/workspaces/${eve.ws}/members/${dan.userId}`)).status, 204);
    const after = await t.owner(dan.ownerToken, "GET", "/runs");
    assert.deepEqual(after.body.runs.map((r: Row) => r.id), [mine]);
    assert.deepEqual(after.body.counts, { PENDING: 0, RUNNING: 0, ERROR: 0 });
    assert.ok(!JSON.stringify(after.body).includes("secret"));
    assert.deepEqual((await list(dan.ownerToken, `?workspaceId=${eve.ws}`)).runs, []);
  });

  it("filters by one or several statuses, by agent and by workspace; the counts follow every filter but the status", async () => {
    const fay = await person("Fay");
    const two = await secondAgent(t, "Fay Two", fay.ownerToken);
    const ws2 = (await t.owner(fay.ownerToken, "POST", "/workspaces", { name: "Two" })).body.id as string;
    const prj2 = (await t.owner(fay.ownerToken, "POST", "/projects", { name: "Two" }, { "x-workspace-id": ws2 })).body.id as string;
    const pending = await fay.run("PENDING");
    const running = await fay.run("RUNNING", two);
    const failed = await fay.run("ERROR", fay.bot, prj2);
    const done = await fay.run("FINISHED", two, prj2);
    const stopped = await fay.run("STOPPED");
    const ids = async (query: string) => (await list(fay.ownerToken, query)).runs.map((r) => r.id);
    assert.deepEqual(await ids("?status=PENDING,RUNNING"), [running, pending]);
    assert.deepEqual(await ids("?status=ERROR"), [failed]);
    assert.deepEqual(await ids("?status=STOPPED,FINISHED,ERROR"), [stopped, done, failed]);
    assert.deepEqual(await ids(`?agentId=${two.id}`), [done, running]);
    assert.deepEqual(await ids(`?workspaceId=${ws2}`), [done, failed]);
    assert.deepEqual(await ids(`?workspaceId=${ws2}&agentId=${two.id}&status=FINISHED`), [done]);
    const byAgent = await list(fay.ownerToken, `?agentId=${fay.bot.id}&status=ERROR`);
    assert.deepEqual(byAgent.runs.map((r) => r.id), [failed]);
    assert.deepEqual(byAgent.counts, { PENDING: 1, RUNNING: 0, ERROR: 1 });
    assert.deepEqual((await list(fay.ownerToken, `?workspaceId=${ws2}`)).counts, { PENDING: 0, RUNNING: 0, ERROR: 1 });
  });

  it("pages with before: a full page links to the next (Link rel=next), with the same filters, and the pages hold every run once", async () => {
    const gus = await person("Gus");
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await gus.run(i % 2 ? "ERROR" : "PENDING"));
    const walk = async (path: string) => {
      const seen: string[][] = [];
      for (let next: string | null = path; next !== null;) {
        const res = await t.owner(gus.ownerToken, "GET", next);
        assertStatus(res, 200);
        seen.push(res.body.runs.map((r: Row) => r.id));
        const link = res.headers.get("link");
        next = link === null ? null : /^<\/api\/v1(\/[^>]+)>; rel="next"$/.exec(link)![1]!;
      }
      return seen;
    };
    const all = [...made].reverse();
    assert.deepEqual(await walk("/runs?limit=2"), [all.slice(0, 2), all.slice(2, 4), all.slice(4)]);
    // A last page that happens to be full links to an empty one.
    const pendingFirst = all.filter((_, i) => i % 2 === 0);
    assert.deepEqual(await walk("/runs?status=PENDING,STOPPED&limit=3"), [pendingFirst, []]);
    assert.deepEqual(await walk("/runs?status=PENDING,ERROR&limit=4"), [all.slice(0, 4), all.slice(4)]);
  });

  it("answers 400 for a status that is not one, a limit out of range, a control character in an id or cursor, and an unknown parameter", async () => {
    const hal = await person("Hal");
    const bad = (query: string) => t.owner(hal.ownerToken, "GET", `/runs${query}`);
    assertError(await bad("?status=FAILED"), 400, /^status must be one or more of PENDING, RUNNING, FINISHED, ERROR, STOPPED/);
    assertError(await bad("?status=PENDING,,RUNNING"), 400, /^status must be/);
    assertError(await bad("?status="), 400, /^status must be/);
    assertError(await bad("?limit=0"), 400);
    assertError(await bad("?limit=501"), 400);
    assertError(await bad("?before=run%00x"), 400, "before must not contain control characters (NUL)");
    assertError(await bad("?agentId=agt%00x"), 400, "agentId must not contain control characters (NUL)");
    assertError(await bad("?workspaceId=ws%00x"), 400, "workspaceId must not contain control characters (NUL)");
    assertError(await bad("?color=red"), 400);
    // A cursor that is no run's id (another list's, or none at all) is refused; an unknown run id is just a place in the order, as GET /tasks' is.
    assertError(await bad("?before=zzz"), 400, 'before must be a run id (run_…), as this list\'s Link rel="next" gives');
    assert.deepEqual((await list(hal.ownerToken, "?before=run_zzz")).runs, []);
    assertError(await t.owner("gcp_nope", "GET", "/runs"), 401);
  });

  it("reads why a page's failed runs failed in as many statements for many as for one", async () => {
    const ivy = await person("Ivy");
    /** The statements the hub's database is sent while one page of failed runs is read. */
    const statementsFor = async (query: string) => {
      const db = t.hub.db;
      const { all, get } = db;
      let sent = 0;
      db.all = (...args) => (sent++, all.apply(db, args)) as never;
      db.get = (...args) => (sent++, get.apply(db, args)) as never;
      try {
        const { runs } = await list(ivy.ownerToken, query);
        return { sent, failed: runs.length };
      } finally {
        db.all = all;
        db.get = get;
      }
    };
    await ivy.run("ERROR");
    const one = await statementsFor("?status=ERROR");
    for (let i = 0; i < 5; i++) await ivy.run("ERROR");
    const six = await statementsFor("?status=ERROR");
    assert.deepEqual([one.failed, six.failed], [1, 6]);
    assert.equal(six.sent, one.sent);
  });

  it("lists one agent's runs of each status, and of all, page by page, as the person's runs filtered to that agent", async () => {
    const jo = await person("Jo");
    const two = await secondAgent(t, "Jo Two", jo.ownerToken);
    for (const status of ["FINISHED", "ERROR", "PENDING", "STOPPED", "RUNNING", "FINISHED", "ERROR", "STOPPED"] as const) {
      await jo.run(status);
      await jo.run(status === "RUNNING" ? "FINISHED" : status, two);
    }
    const pages = async (query: string) => {
      const seen: string[] = [];
      for (let next: string | null = `/runs${query}`; next !== null;) {
        const res = await t.owner(jo.ownerToken, "GET", next);
        assertStatus(res, 200);
        seen.push(...res.body.runs.map((r: Row) => r.id));
        const link = res.headers.get("link");
        next = link === null ? null : /^<\/api\/v1(\/[^>]+)>; rel="next"$/.exec(link)![1]!;
      }
      return seen;
    };
    const everything = (await list(jo.ownerToken, "?limit=500")).runs;
    for (const agent of [jo.bot.id, two.id]) {
      for (const status of ["", "FINISHED", "ERROR", "STOPPED", "PENDING,RUNNING", "FINISHED,ERROR"]) {
        const wanted = everything.filter((r) => r.agent.id === agent && (status === "" || status.split(",").includes(r.status))).map((r) => r.id);
        assert.deepEqual(await pages(`?agentId=${agent}&limit=2${status ? `&status=${status}` : ""}`), wanted, `${agent} ${status}`);
      }
      const counts = (await list(jo.ownerToken, `?agentId=${agent}`)).counts;
      const counted = (status: string) => everything.filter((r) => r.agent.id === agent && r.status === status).length;
      assert.deepEqual(counts, { PENDING: counted("PENDING"), RUNNING: counted("RUNNING"), ERROR: counted("ERROR") });
    }
  });

  it("the hub owner's runs set up through the API are theirs here too", async () => {
    const { runId } = await runIn(t, "RUNNING");
    assert.ok((await list(t.creds.ownerToken, "?status=RUNNING")).runs.some((r) => r.id === runId));
  });
});
