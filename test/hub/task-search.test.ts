/**
 * Finding a task: `GET /api/v1/tasks?q=TEXT` (with projectId, status, limit and
 * before as without it) lists the tasks whose title or description contains the
 * text, whatever the case, every character taken literally; only in the caller's
 * workspaces. The same on SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

describe("task search (GET /tasks?q=)", () => {
  let t: TestHub;
  let owner: string;
  let workspaceId: string;
  let projectId: string;
  /** Ids of the tasks created here, by a short name. */
  const ids: Record<string, string> = {};

  before(async () => {
    t = await startTestHub();
    owner = t.creds.ownerToken;
    // A workspace of its own: a person added to the hub joins its first workspace, never this one.
    workspaceId = (await t.owner(owner, "POST", "/workspaces", { name: "Search" })).body.id;
    const project = await t.owner(owner, "POST", "/projects", { name: "Search" }, { "x-workspace-id": workspaceId });
    assertStatus(project, 201);
    projectId = project.body.id;
    const tasks: Array<[string, string, string]> = [
      ["login", "Fix the LOGIN page", "It crashes on Safari"],
      ["deploy", "Deploy Friday", "Roll out the new login flow, then watch the logs"],
      ["percent", "Discount of 50% off", ""],
      ["under", "Rename user_id to owner_id", ""],
      ["slash", "Escape C:\\temp paths", ""],
      ["quote", 'The "quoted" word', ""],
      ["plain", "Water the plants", "about 50 of them, userXid"],
    ];
    for (const [name, title, description] of tasks) ids[name] = (await createTask(t, { projectId, title, description })).id;
  });
  after(() => t.close());

  async function search(q: string, extra = "", token = owner): Promise<string[]> {
    const res = await t.owner(token, "GET", `/tasks?projectId=${projectId}&q=${encodeURIComponent(q)}${extra}`);
    assertStatus(res, 200);
    return res.body.map((task: { id: string }) => Object.entries(ids).find(([, id]) => id === task.id)?.[0] ?? task.id);
  }

  it("finds the text in a title or a description, newest first", async () => {
    assert.deepEqual(await search("login"), ["deploy", "login"]);
    assert.deepEqual(await search("safari"), ["login"]);
    assert.deepEqual(await search("watch the logs"), ["deploy"]);
  });

  it("ignores case, in the text and in the task", async () => {
    assert.deepEqual(await search("LoGiN PaGe"), ["login"]);
    assert.deepEqual(await search("FRIDAY"), ["deploy"]);
    assert.deepEqual(await search("Lo"), ["deploy", "login"]); // under 3 characters too
  });

  it("ignores case beyond ASCII in a text of 3 characters or more (PostgreSQL: under a UTF-8 LC_CTYPE, as the test database's)", async () => {
    const id = (await createTask(t, { projectId, title: "Über die Straße", description: "ΣΟΦΙΑ и Привет" })).id;
    const found = async (q: string) => (await t.owner(owner, "GET", `/tasks?projectId=${projectId}&q=${encodeURIComponent(q)}`)).body.map((x: { id: string }) => x.id);
    for (const q of ["über", "ÜBER DIE", "straße", "σοφια", "ПРИВЕТ"]) assert.deepEqual(await found(q), [id], q);
    assert.deepEqual(await found("uber die"), [], "accents are not stripped");
    assertStatus(await t.owner(owner, "DELETE", `/tasks/${id}`), 204);
  });

  it("takes %, _ and \\ literally", async () => {
    assert.deepEqual(await search("50%"), ["percent"]);
    assert.deepEqual(await search("%"), ["percent"]);
    assert.deepEqual(await search("r_id"), ["under"]);
    assert.deepEqual(await search("_"), ["under"]);
    assert.deepEqual(await search("C:\\temp"), ["slash"]);
    assert.deepEqual(await search("\\"), ["slash"]);
    assert.deepEqual(await search('"quoted"'), ["quote"]);
    assert.deepEqual(await search("quoted\" OR login"), []);
  });

  it("trims the text", async () => {
    assert.deepEqual(await search("  plants \t"), ["plain"]);
  });

  it("answers an empty list when nothing matches", async () => {
    const res = await t.owner(owner, "GET", `/tasks?projectId=${projectId}&q=nothing%20like%20this`);
    assertStatus(res, 200);
    assert.deepEqual(res.body, []);
    assert.equal(res.headers.get("link"), null);
  });

  it("combines with status", async () => {
    assertStatus(await t.owner(owner, "PATCH", `/tasks/${ids.login}`, { status: "done" }), 200);
    assert.deepEqual(await search("login", "&status=done"), ["login"]);
    assert.deepEqual(await search("login", "&status=todo"), ["deploy"]);
    assertStatus(await t.owner(owner, "PATCH", `/tasks/${ids.login}`, { status: "todo" }), 200);
  });

  it("finds a task again after an edit, and no longer by its old text", async () => {
    assertStatus(await t.owner(owner, "PATCH", `/tasks/${ids.plain}`, { title: "Water the cactus", description: "once a month" }), 200);
    assert.deepEqual(await search("plants"), []);
    assert.deepEqual(await search("CACTUS"), ["plain"]);
    assert.deepEqual(await search("a month"), ["plain"]);
  });

  it("pages the matches with before and Link rel=\"next\", q kept in the link", async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.unshift((await createTask(t, { projectId, title: `Paged needle ${i}` })).id);
    await createTask(t, { projectId, title: "Paged, but not this one" });
    const ids: string[] = [];
    let path: string | null = `/tasks?projectId=${projectId}&q=NEEDLE&limit=2`;
    const pages: number[] = [];
    while (path !== null) {
      const res = await t.owner(owner, "GET", path);
      assertStatus(res, 200);
      ids.push(...res.body.map((x: { id: string }) => x.id));
      pages.push(res.body.length);
      const link = res.headers.get("link");
      if (link !== null) assert.match(link, /[?&]q=NEEDLE(&|>)/);
      path = link === null ? null : /^<\/api\/v1(\/[^>]+)>; rel="next"$/.exec(link)![1]!;
    }
    assert.deepEqual(ids, made);
    assert.deepEqual(pages, [2, 2, 1]);
    assert.deepEqual(await search("needle", `&before=${made[1]}`).then((found) => found.length), 3);
  });

  it("answers 400 for a q that is empty, blank or over 200 characters", async () => {
    for (const q of ["", "   ", "x".repeat(201), ` ${"y".repeat(201)} `]) {
      assertError(await t.owner(owner, "GET", `/tasks?q=${encodeURIComponent(q)}`), 400, "q must be 1 to 200 characters (after trimming)");
    }
    assert.deepEqual(await search(` ${"z".repeat(200)} `), []);
  });

  it("answers 400 for a q holding a NUL, on both databases (SQLite's full-text query failed on it: 500)", async () => {
    for (const q of ["\u0000abc", "abc\u0000", "a\u0000"]) {
      assertError(await t.owner(owner, "GET", `/tasks?q=${encodeURIComponent(q)}`), 400, "q cannot hold a NUL character");
    }
  });

  it("never finds another workspace's tasks", async () => {
    const olive = await t.hub.writer.run("addUser", { name: "Olive" });
    const workspace = await t.owner(olive.ownerToken, "POST", "/workspaces", { name: "Olive's" });
    const project = await t.owner(olive.ownerToken, "POST", "/projects", { name: "Hers" }, { "x-workspace-id": workspace.body.id });
    const hers = await createTask(t, { projectId: project.body.id, title: "Her login page" }, olive.ownerToken);
    // She finds hers and none of ours, whatever she names; we never find hers.
    assert.deepEqual((await t.owner(olive.ownerToken, "GET", "/tasks?q=login")).body.map((x: { id: string }) => x.id), [hers.id]);
    assert.deepEqual((await t.owner(olive.ownerToken, "GET", `/tasks?q=login&projectId=${projectId}`)).body, []);
    assert.deepEqual((await t.owner(olive.ownerToken, "GET", `/tasks?q=login&workspaceId=${workspaceId}`)).body, []);
    const ours = (await t.owner(owner, "GET", "/tasks?q=her%20login")).body;
    assert.deepEqual(ours, []);
    assert.deepEqual((await t.owner(owner, "GET", `/tasks?q=login&projectId=${project.body.id}`)).body, []);
  });
});
