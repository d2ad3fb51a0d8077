/**
 * Outgoing webhooks: a person's notifications POSTed, signed and in order, to a receiver of theirs, driven by
 * what agents do over the real Agent API; retried until a 2xx with the same delivery id, across a restart;
 * one receiver never holding up another's; and the /webhooks API's rules.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask, delegateTo, secondAgent } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { startReceiver, signedWith, type Receiver } from "../support/receiver.ts";

/** Asks again (every 20 ms) until `check` holds of the answer: waits for a state, asserts no duration. */
async function until<T>(ask: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await ask();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Quick retries and polls: tests wait for events, never for time. */
const FAST = { pollMs: 20, retryBaseMs: 20, retryMaxMs: 200, settleMs: 50 };

// A guard, not a timing assertion: a delivery that never comes fails the test instead of hanging it.
describe("webhooks", { timeout: 120_000 }, () => {
  let t: TestHub;
  const receivers: Receiver[] = [];
  const receiver = async (port?: number) => {
    const r = await startReceiver(port);
    receivers.push(r);
    return r;
  };
  before(async () => (t = await startTestHub({ webhooks: FAST })));
  after(async () => {
    await t.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  /** A person of their own with a workspace, a project and an agent. */
  async function person(hub: TestHub, name: string) {
    const user = await hub.hub.writer.run("addUser", { name });
    const ws = (await hub.owner(user.ownerToken, "POST", "/workspaces", { name: `${name}'s` })).body.id as string;
    const projectId = (await hub.owner(user.ownerToken, "POST", "/projects", { name: "Work" }, { "x-workspace-id": ws })).body.id as string;
    const bot = await secondAgent(hub, `${name} Bot`, user.ownerToken);
    return { token: user.ownerToken, userId: user.userId, projectId, bot };
  }

  const addWebhook = async (hub: TestHub, token: string, body: Record<string, unknown>) => {
    const res = await hub.owner(token, "POST", "/webhooks", body);
    assertStatus(res, 201);
    return res.body as { id: string; url: string; description: string; createdAt: number; secret: string };
  };

  type Person = { token: string; projectId: string; bot: { id: string; token: string } };

  /** The agent's run on a new task of the person's, delegated and started over the Agent API. */
  async function startedRun(hub: TestHub, who: Person, title: string, body?: string) {
    const task = await createTask(hub, { projectId: who.projectId, title }, who.token);
    const run = await delegateTo(hub, task.id, who.bot.id, who.token);
    assertStatus(await hub.agent(who.bot.token, "POST", `/runs/${run.id}/start`, body === undefined ? {} : { body }), 200);
    return { task, run };
  }

  /** The agent's run on a new task of the person's, started, commented on and ended, over the Agent API. */
  async function agentWorks(hub: TestHub, who: Person, title: string, end: "complete" | "error" = "complete") {
    const { run } = await startedRun(hub, who, title, "On it");
    assertStatus(await hub.agent(who.bot.token, "POST", `/runs/${run.id}/comment`, { body: `Working on ${title}` }), 201);
    assertStatus(await hub.agent(who.bot.token, "POST", `/runs/${run.id}/${end}`, { body: "All done" }), 200);
    return run.id as string;
  }

  it("POSTs an agent's start, comment and completion to its owner's webhook, in order, signed with its secret, as GET /notifications lists them", async () => {
    const r = await receiver();
    const ann = await person(t, "Ann");
    const hook = await addWebhook(t, ann.token, { url: r.url, description: "Slack" });
    assert.match(hook.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.equal(hook.description, "Slack");
    const runId = await agentWorks(t, ann, "Fix login");
    const got = await r.waitFor(3);
    assert.deepEqual(got.map((g) => g.body.type), ["run_started", "run_comment", "run_finished"]);
    const listed = (await t.owner(ann.token, "GET", "/notifications")).body.reverse();
    for (const [i, g] of got.entries()) {
      assert.ok(signedWith(g, hook.secret), "a valid X-GroupChat-Signature");
      assert.ok(!signedWith(g, "another secret entirely"));
      assert.equal(g.headers["content-type"], "application/json");
      assert.equal(g.headers["x-groupchat-event"], g.body.type);
      assert.equal(g.headers["x-groupchat-delivery"], g.body.id);
      assert.match(g.body.id, /^dlv_[0-9a-f]{32}$/);
      assert.equal(g.headers["x-groupchat-timestamp"], String(g.body.sentAt));
      assert.deepEqual(g.body.notification, listed[i]);
      assert.equal(g.body.createdAt, listed[i].createdAt);
      assert.equal(g.body.notification.runId, runId);
    }
    assert.equal(got[1]!.body.notification.body, "Working on Fix login");
    assert.equal(new Set(got.map((g) => g.body.id)).size, 3);
    const [view] = (await t.owner(ann.token, "GET", "/webhooks")).body;
    assert.equal(view.id, hook.id);
    assert.equal(view.secret, undefined, "never listed again");
    assert.equal(JSON.stringify(view).includes(hook.secret), false);
    assert.equal(view.consecutiveFailures, 0);
    assert.equal(view.lastAttempt.status, 200);
    assert.equal(typeof view.lastDeliveredAt, "number");
  });

  it("gives each delivery a Slack-ready `text`: the sentence, the start of its body and a link to the task, with <, & and > escaped", async () => {
    const r = await receiver();
    const pat = await person(t, "Pat");
    await addWebhook(t, pat.token, { url: r.url });
    const { task, run } = await startedRun(t, pat, "Ship <v2> & docs");
    const words = "Done: <b>bold</b> & a > b.\n";
    assertStatus(await t.agent(pat.bot.token, "POST", `/runs/${run.id}/complete`, { body: words + "x".repeat(400) }), 200);
    const [, finished] = await r.waitFor(2);
    assert.equal(finished!.body.type, "run_finished");
    const link = `${t.hub.urls().publicUrl}/tasks/${task.id}`;
    assert.equal(finished!.body.text, [
      "Pat Bot finished “Ship &lt;v2&gt; &amp; docs”",
      `Done: &lt;b&gt;bold&lt;/b&gt; &amp; a &gt; b.\n${"x".repeat(300 - words.length)}…`,
      `<${link}|Ship &lt;v2&gt; &amp; docs>`,
    ].join("\n"));
  });

  it("sends a notification as soon as it is written, without waiting for the next poll", async () => {
    // Polls ten minutes apart: only the write waking the dispatcher can deliver within the guard below.
    const idle = await startTestHub({ webhooks: { ...FAST, pollMs: 600_000 } });
    try {
      const r = await receiver();
      const kim = await person(idle, "Kim");
      await addWebhook(idle, kim.token, { url: r.url });
      const { run } = await startedRun(idle, kim, "Wake up");
      assertStatus(await idle.agent(kim.bot.token, "POST", `/runs/${run.id}/comment`, { body: "Right away" }), 201);
      const guard = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("not delivered within 15 s")), 15_000).unref());
      const got = await Promise.race([r.waitFor(1, (g) => g.body.type === "run_comment"), guard]);
      assert.equal(got[0]!.body.notification.body, "Right away");
    } finally {
      await idle.close();
    }
  });

  it("names the workspace in the text of a tasks_handed_over delivery, escaped", async () => {
    const r = await receiver();
    const vic = await person(t, "Vic");
    await addWebhook(t, vic.token, { url: r.url });
    const ws = (await t.owner(vic.token, "POST", "/workspaces", { name: "R&D <core>" })).body.id as string;
    const projectId = (await t.owner(vic.token, "POST", "/projects", { name: "Lab" }, { "x-workspace-id": ws })).body.id as string;
    const leaver = await t.hub.writer.run("addUser", { name: "Lee" });
    assertStatus(await t.owner(vic.token, "POST", `/workspaces/${ws}/members`, { userId: leaver.userId }), 201);
    await createTask(t, { projectId, title: "Lee's" }, leaver.ownerToken);
    assertStatus(await t.owner(leaver.ownerToken, "DELETE", `/workspaces/${ws}/members/${leaver.userId}`), 204);
    const [handed] = await r.waitFor(1, (g) => g.body.type === "tasks_handed_over");
    assert.equal(handed!.body.text.split("\n")[0], "Lee handed tasks in R&amp;D &lt;core&gt; over to you");
  });

  it("signs with the secret its person gave, and tells them when someone else @mentions them", async () => {
    const r = await receiver();
    const bo = await person(t, "Bo");
    const secret = "my-own-secret-of-24-chars";
    await addWebhook(t, bo.token, { url: r.url, secret });
    // The hub's owner invites Bo to a workspace, and @mentions Bo in a comment there.
    const invite = await t.owner(t.creds.ownerToken, "POST", `/workspaces/${t.creds.workspaceId}/members`, { userId: bo.userId });
    assertStatus(invite, 201);
    const task = await createTask(t, { title: "Review" });
    assertStatus(await t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "@Bo please look" }), 201);
    const [got] = await r.waitFor(1);
    assert.equal(got!.body.type, "mention");
    assert.equal(got!.body.notification.taskTitle, "Review");
    assert.ok(signedWith(got!, secret));
  });

  it("delivers an event a receiver answered 500 again with the same delivery id, loses none and keeps the order", async () => {
    const r = await receiver();
    r.answer = (_req, i) => (i < 2 ? 500 : 200);
    const cy = await person(t, "Cy");
    await addWebhook(t, cy.token, { url: r.url });
    await agentWorks(t, cy, "Flaky");
    const delivered = await r.waitFor(3, (g) => g.status === 200);
    assert.deepEqual(delivered.map((g) => g.body.type), ["run_started", "run_comment", "run_finished"]);
    const first = r.received.slice(0, 3);
    assert.deepEqual(first.map((g) => g.status), [500, 500, 200]);
    assert.equal(new Set(first.map((g) => g.headers["x-groupchat-delivery"])).size, 1, "the same delivery id at each attempt");
    assert.deepEqual(first.map((g) => g.body.type), ["run_started", "run_started", "run_started"]);
    const [view] = (await t.owner(cy.token, "GET", "/webhooks")).body;
    assert.equal(view.consecutiveFailures, 0);
  });

  it("shows a failing webhook's failures and what the receiver answered while it retries", async () => {
    const r = await receiver();
    let failing = true;
    r.answer = () => (failing ? 503 : 200);
    const di = await person(t, "Di");
    const hook = await addWebhook(t, di.token, { url: r.url });
    await agentWorks(t, di, "Down");
    await r.waitFor(2);
    const [view] = (await t.owner(di.token, "GET", "/webhooks")).body;
    assert.ok(view.consecutiveFailures >= 1, JSON.stringify(view));
    assert.deepEqual({ status: view.lastAttempt.status, error: view.lastAttempt.error }, { status: 503, error: "HTTP 503" });
    assert.equal(view.disabledAt, null);
    failing = false;
    await r.waitFor(3, (g) => g.status === 200);
    assertStatus(await t.owner(di.token, "DELETE", `/webhooks/${hook.id}`), 204);
  });

  it("never lets one person's hanging receiver hold up another's deliveries", async () => {
    const stuck = await receiver();
    stuck.answer = () => "hang";
    const fine = await receiver();
    const ed = await person(t, "Ed");
    const fay = await person(t, "Fay");
    await addWebhook(t, ed.token, { url: stuck.url });
    await addWebhook(t, fay.token, { url: fine.url });
    await agentWorks(t, ed, "Ed's");
    await stuck.waitFor(1);
    await agentWorks(t, fay, "Fay's");
    const got = await fine.waitFor(3);
    assert.deepEqual(got.map((g) => g.body.type), ["run_started", "run_comment", "run_finished"]);
    assert.equal(stuck.received.length, 1, "the stuck one is still waiting on its first event");
  });

  it("counts each delivery attempt by outcome in the hub's metrics", async () => {
    const hub = await startTestHub({ webhooks: FAST, metricsPort: "0" });
    try {
      const r = await receiver();
      r.answer = (_req, i) => (i === 0 ? 500 : 200);
      const nia = await person(hub, "Nia");
      await addWebhook(hub, nia.token, { url: r.url });
      await agentWorks(hub, nia, "Counted");
      await r.waitFor(3, (g) => g.status === 200);
      const count = (text: string, outcome: string) =>
        Number(new RegExp(`^groupchat_hub_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)$`, "m").exec(text)?.[1]);
      const text = await until(async () => (await fetch(hub.hub.urls().metricsUrl!)).text(), (body) => count(body, "delivered") >= 3);
      assert.equal(count(text, "delivered"), 3);
      assert.equal(count(text, "failed"), 1);
    } finally {
      await hub.close();
    }
  });

  it("turns a webhook off after failing long enough, tells its person, and a test delivery that succeeds turns it on again", async () => {
    const hub = await startTestHub({ webhooks: { ...FAST, disableAfterFailures: 2, disableAfterMs: 0 } });
    try {
      const r = await receiver();
      r.answer = () => 500;
      const gus = await person(hub, "Gus");
      const hook = await addWebhook(hub, gus.token, { url: r.url });
      await agentWorks(hub, gus, "Never lands");
      await r.waitFor(2);
      const view = await until(async () => (await hub.owner(gus.token, "GET", "/webhooks")).body[0], (v) => v.disabledAt !== null);
      assert.equal(view.consecutiveFailures, 2);
      const told = (await hub.owner(gus.token, "GET", "/notifications")).body[0];
      assert.equal(told.type, "webhook_disabled");
      assert.match(told.body, /turned off after 2 failed deliveries/);
      r.answer = () => 200;
      const test = await hub.owner(gus.token, "POST", `/webhooks/${hook.id}/test`);
      assertStatus(test, 200);
      assert.deepEqual({ ...test.body, deliveryId: undefined }, { deliveryId: undefined, delivered: true, status: 200, error: null, enabled: true });
      const relisted = (await hub.owner(gus.token, "GET", "/webhooks")).body[0];
      assert.equal(relisted.disabledAt, null);
      // On again: what happens from now on is delivered.
      await agentWorks(hub, gus, "Lands");
      const got = await r.waitFor(3, (g) => g.status === 200 && g.body.type !== "ping");
      assert.deepEqual(got.map((g) => g.body.notification.taskTitle), ["Lands", "Lands", "Lands"]);
    } finally {
      await hub.close();
    }
  });

  it("sends a test ping on asking, signed, and says how the receiver answered", async () => {
    const r = await receiver();
    const hal = await person(t, "Hal");
    const hook = await addWebhook(t, hal.token, { url: r.url });
    const ok = await t.owner(hal.token, "POST", `/webhooks/${hook.id}/test`);
    assertStatus(ok, 200);
    assert.equal(ok.body.delivered, true);
    assert.equal(ok.body.status, 200);
    assert.equal(ok.body.enabled, true);
    const [ping] = await r.waitFor(1);
    assert.equal(ping!.body.type, "ping");
    assert.equal(ping!.headers["x-groupchat-event"], "ping");
    assert.equal(ping!.body.notification, null);
    assert.equal(ping!.body.text, "Test delivery from OpenClaw GroupChat: this webhook works.", "a Slack URL shows the test too");
    assert.equal(ping!.headers["x-groupchat-delivery"], ok.body.deliveryId);
    assert.ok(signedWith(ping!, hook.secret));
    r.answer = () => 404;
    const refused = await t.owner(hal.token, "POST", `/webhooks/${hook.id}/test`);
    assertStatus(refused, 200);
    assert.deepEqual([refused.body.delivered, refused.body.status, refused.body.error], [false, 404, "HTTP 404"]);
    await r.close();
    const down = await t.owner(hal.token, "POST", `/webhooks/${hook.id}/test`);
    assertStatus(down, 200);
    assert.deepEqual([down.body.delivered, down.body.status], [false, null]);
    assert.equal(typeof down.body.error, "string");
  });

  it("keeps each person's webhooks their own: another cannot list, test or delete them (404)", async () => {
    const r = await receiver();
    const ivy = await person(t, "Ivy");
    const jo = await person(t, "Jo");
    const hook = await addWebhook(t, ivy.token, { url: r.url });
    assert.deepEqual((await t.owner(jo.token, "GET", "/webhooks")).body, []);
    assertError(await t.owner(jo.token, "DELETE", `/webhooks/${hook.id}`), 404, "Webhook not found");
    assertError(await t.owner(jo.token, "POST", `/webhooks/${hook.id}/test`), 404, "Webhook not found");
    assertError(await t.owner(ivy.token, "DELETE", "/webhooks/whk_nope"), 404, "Webhook not found");
    assert.equal((await t.owner(ivy.token, "GET", "/webhooks")).body.length, 1);
    assertStatus(await t.owner(ivy.token, "DELETE", `/webhooks/${hook.id}`), 204);
    assert.deepEqual((await t.owner(ivy.token, "GET", "/webhooks")).body, []);
    assertError(await t.owner(ivy.token, "POST", `/webhooks/${hook.id}/test`), 404, "Webhook not found");
  });

  it("refuses bad input for every field with 400, and an eleventh webhook with 409", async () => {
    const kim = await person(t, "Kim");
    const bad = async (body: unknown, message: RegExp) => assertError(await t.owner(kim.token, "POST", "/webhooks", body), 400, message);
    await bad({}, /url/);
    await bad({ url: 42 }, /url/);
    await bad({ url: "" }, /url/);
    await bad({ url: "/relative/path" }, /absolute http or https URL/);
    await bad({ url: "not a url" }, /absolute http or https URL/);
    await bad({ url: "ftp://example.com/hook" }, /http or https, not ftp/);
    await bad({ url: "javascript:alert(1)" }, /http or https/);
    await bad({ url: "https://user:pass@example.com/hook" }, /user name or password/);
    await bad({ url: "https://token@example.com/hook" }, /user name or password/);
    await bad({ url: `https://example.com/${"a".repeat(2000)}` }, /2000/);
    await bad({ url: "https://example.com/", secret: "short" }, /secret/);
    await bad({ url: "https://example.com/", secret: "x".repeat(201) }, /secret/);
    await bad({ url: "https://example.com/", secret: "sixteen chars with spaces" }, /visible ASCII/);
    await bad({ url: "https://example.com/", secret: 1234567890123456 }, /secret/);
    await bad({ url: "https://example.com/", description: "d".repeat(201) }, /description/);
    await bad({ url: "https://example.com/", description: 5 }, /description/);
    await bad({ url: "https://example.com/", extra: true }, /extra|additional/);
    assertError(await t.owner(kim.token, "POST", "/webhooks", "url=x", { "content-type": "text/plain" }), 415);
    assertError(await t.owner(kim.token, "POST", "/webhooks/whk_x/test", { some: "body" }), 400);
    assert.deepEqual((await t.owner(kim.token, "GET", "/webhooks")).body, [], "nothing made");
    for (let i = 0; i < 10; i++) await addWebhook(t, kim.token, { url: `https://example.com/hook/${i}` });
    assertError(await t.owner(kim.token, "POST", "/webhooks", { url: "https://example.com/eleven" }), 409, /10 webhooks/);
    assertError(await t.owner("gcp_not-a-token", "GET", "/webhooks"), 401);
  });

  it("delivers after a restart what it could not deliver while the receiver was down, with nothing lost", async () => {
    const first = await startTestHub({ webhooks: FAST });
    const gone = await startReceiver();
    const port = gone.port;
    await gone.close(); // nothing listens there now: each attempt is refused
    try {
      const lu = await person(first, "Lu");
      const hook = await addWebhook(first, lu.token, { url: `http://127.0.0.1:${port}/hook` });
      await agentWorks(first, lu, "While down");
      const view = await until(async () => (await first.owner(lu.token, "GET", "/webhooks")).body[0], (v) => v.consecutiveFailures >= 2);
      assert.equal(view.lastAttempt.status, null);
      await first.hub.close();
      const r = await receiver(port);
      const second = await startTestHub({ webhooks: FAST, reuse: { dataDir: first.dataDir, databaseFlag: first.databaseFlag } });
      try {
        const got = await r.waitFor(3);
        assert.deepEqual(got.map((g) => g.body.type), ["run_started", "run_comment", "run_finished"]);
        assert.ok(got.every((g) => signedWith(g, hook.secret)));
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it("aborts a delivery in flight when the hub closes, lets its claim go, and sends it again, same delivery id, at the next start", async () => {
    // Neither the 10-minute timeout nor the 10-minute lease can be what ends it: only the close's abort and release.
    const slow = { ...FAST, timeoutMs: 600_000, leaseMs: 600_000 };
    const first = await startTestHub({ webhooks: slow });
    try {
      const r = await receiver();
      r.answer = (_req, i) => (i === 0 ? "hang" : 200);
      const mia = await person(first, "Mia");
      await addWebhook(first, mia.token, { url: r.url });
      await agentWorks(first, mia, "Interrupted");
      const [hanging] = await r.waitFor(1);
      await first.hub.close();
      const second = await startTestHub({ webhooks: slow, reuse: { dataDir: first.dataDir, databaseFlag: first.databaseFlag } });
      try {
        const got = await r.waitFor(3, (g) => g.status === 200);
        assert.deepEqual(got.map((g) => g.body.type), ["run_started", "run_comment", "run_finished"]);
        assert.equal(got[0]!.body.id, hanging!.body.id, "the same delivery, sent again");
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it("on PostgreSQL, two hubs on one database deliver each event once, in order, sharing the webhooks", { skip: process.env.GROUPCHAT_TEST_DATABASE !== "postgres" }, async () => {
    const first = await startTestHub({ webhooks: FAST });
    const dir = mkdtempSync(join(tmpdir(), "gc-hub-second-"));
    copyFileSync(join(first.dataDir, "credentials.json"), join(dir, "credentials.json"));
    try {
      const second = await startTestHub({ webhooks: FAST, reuse: { dataDir: dir, databaseFlag: first.databaseFlag } });
      try {
        const people = [];
        for (const name of ["Mo", "Ned", "Ola"]) {
          const who = await person(first, name);
          const r = await receiver();
          // Every third request fails: the event is claimed again, by either hub.
          r.answer = (_req, i) => (i % 3 === 1 ? 500 : 200);
          await addWebhook(first, who.token, { url: r.url });
          people.push({ who, r });
        }
        for (let round = 0; round < 3; round++) {
          for (const [i, { who }] of people.entries()) await agentWorks(i % 2 ? second : first, who, `Round ${round}`);
        }
        for (const { who, r } of people) {
          const delivered = await r.waitFor(9, (g) => g.status === 200);
          const listed = (await first.owner(who.token, "GET", "/notifications")).body.reverse();
          assert.deepEqual(delivered.map((g) => g.body.notification.id), listed.map((n: { id: string }) => n.id), "each once, in order");
        }
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
