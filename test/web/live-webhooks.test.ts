/**
 * `owner:webhooks` over the stock Convex client: a person's webhook list is live as the dispatcher delivers
 * (failing, retried, delivered, turned off) and as they add, test and delete one; another person's
 * subscription hears none of it. On SQLite (writes on the HTTP thread or the writer thread) and PostgreSQL, and across
 * two hubs sharing PostgreSQL.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import type { ChangeSet } from "../../src/hub/changes.ts";
import type { WebhookView } from "../../src/hub/services/webhooks.ts";
import { runIn } from "../support/api.ts";
import { BACKENDS, startTestHub, type TestHub } from "../support/hub.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { watchOwner, type Update, type Watch } from "./support/live.ts";
import { signIn, withCookie } from "./support/session.ts";

/**
 * A retry waits 10 minutes of the hubs' clock, which the test moves on (`retryNow`): the list shows a failure
 * for as long as the test looks, and the retry comes when it says. Off after two failures in a row.
 */
const RETRY_MS = 600_000;
const WEBHOOKS = { pollMs: 20, retryBaseMs: RETRY_MS, retryMaxMs: RETRY_MS, settleMs: 50, disableAfterFailures: 2, disableAfterMs: 0 };

function skewedClock() {
  let skew = 0;
  return { now: () => Date.now() + skew, retryNow: () => void (skew += RETRY_MS + 1) };
}

const hooksOf = (u: Update) => u.value as WebhookView[] | undefined;
const only = (u: Update) => (hooksOf(u)?.length === 1 ? hooksOf(u)![0] : undefined);
const failing = (failures: number) => (u: Update) => {
  const hook = only(u);
  return !!hook && hook.lastAttempt?.status === 500 && hook.consecutiveFailures === failures;
};
const delivered = (u: Update) => {
  const hook = only(u);
  return !!hook && hook.lastAttempt?.status === 200 && hook.lastAttempt.error === null && hook.consecutiveFailures === 0;
};
/** Waits, from now on, for updates: `seen(check)` resolves with the first one after the mark that passes. */
function mark(w: Watch) {
  const from = w.updates.length;
  return (check: (u: Update) => boolean) => w.until(check, from);
}

for (const { label, options } of BACKENDS) {
  describe(`owner:webhooks, live (${label})`, { timeout: 120_000 }, () => {
    let t: TestHub;
    let r: Receiver;
    const clock = skewedClock();
    const clients: ConvexClient[] = [];
    before(async () => {
      r = await startReceiver();
      t = await startTestHub({ ...options, clock: clock.now, webhooks: WEBHOOKS });
    });
    after(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await t.close();
      await r.close();
    });

    it("shows a webhook added, failing, delivered, turned off, on again after a test and deleted, as each happens; another person's list hears none of it", async () => {
      const cookie = await signIn(t);
      const bob = await t.hub.writer.run("addUser", { name: "Bob" });
      const mine = watchOwner(t.baseUrl, clients, "webhooks", {}, { cookie, origin: t.baseUrl });
      const theirs = watchOwner(t.baseUrl, clients, "webhooks", {}, { cookie: await signIn(t, bob.userId), origin: t.baseUrl });
      await mine.until((u) => hooksOf(u)?.length === 0);
      await theirs.until((u) => hooksOf(u)?.length === 0);
      const heard: ChangeSet[] = [];
      const unsubscribe = t.hub.feed.subscribe((changes) => void heard.push(changes));
      try {
        r.answer = (_request, index) => (index === 0 ? 500 : 200);
        const made = (await withCookie(t, cookie, "POST", "/webhooks", { url: r.url, description: "Live" })).body as { id: string };
        assert.equal(only(await mine.until((u) => only(u)?.id === made.id))!.lastAttempt, null);

        // The first delivery is answered 500: failing, the retry due; the retry is answered 200.
        let seen = mark(mine);
        await runIn(t, "FINISHED");
        const failed = only(await seen(failing(1)))!;
        assert.equal(failed.disabledAt, null);
        assert.equal(failed.nextAttemptAt! > failed.lastAttempt!.at, true);
        seen = mark(mine);
        clock.retryNow();
        const ok = only(await seen(delivered))!;
        assert.equal(ok.lastDeliveredAt, ok.lastAttempt!.at);
        assert.equal(ok.nextAttemptAt, null);

        // Failing twice in a row turns it off; a test delivered turns it on again.
        r.answer = () => 500;
        seen = mark(mine);
        await runIn(t, "FINISHED");
        await seen(failing(1));
        seen = mark(mine);
        clock.retryNow();
        const off = only(await seen((u) => only(u)?.disabledAt != null))!;
        assert.deepEqual([off.consecutiveFailures, off.nextAttemptAt], [2, null]);
        r.answer = () => 200;
        seen = mark(mine);
        assert.equal((await withCookie(t, cookie, "POST", `/webhooks/${made.id}/test`)).body.enabled, true);
        assert.equal(only(await seen((u) => only(u)?.disabledAt === null))!.consecutiveFailures, 0);

        seen = mark(mine);
        assert.equal((await withCookie(t, cookie, "DELETE", `/webhooks/${made.id}`)).status, 204);
        await seen((u) => hooksOf(u)?.length === 0);
      } finally {
        unsubscribe();
      }
      // Every write of the dispatcher's and the owner's named the owner's webhooks alone: nothing re-ran Bob's list.
      assert.deepEqual(theirs.updates.map(hooksOf), [[]]);
      assert.ok(heard.some((changes) => changes.webhooks.has(t.creds.ownerId)));
      for (const changes of heard) {
        assert.equal(changes.everything, undefined);
        assert.deepEqual([...changes.webhooks].filter((id) => id !== t.creds.ownerId), []);
        assert.equal(changes.users.has(bob.userId), false);
      }
    });
  });
}

describe("owner:webhooks across two hubs on one PostgreSQL database", { timeout: 120_000 }, () => {
  it("shows on one hub, as they happen, the deliveries another hub makes", async () => {
    const r = await startReceiver();
    const clock = skewedClock();
    const first = await startTestHub({ database: "postgres", clock: clock.now, webhooks: WEBHOOKS });
    const dir = mkdtempSync(join(tmpdir(), "gc-hub-second-"));
    copyFileSync(join(first.dataDir, "credentials.json"), join(dir, "credentials.json"));
    const clients: ConvexClient[] = [];
    try {
      // The second hub delivers nothing (no webhook at a time): what it shows, it heard from the first.
      const second = await startTestHub({ clock: clock.now, webhooks: { ...WEBHOOKS, concurrency: 0 }, reuse: { dataDir: dir, databaseFlag: first.databaseFlag } });
      try {
        const mine = watchOwner(second.baseUrl, clients, "webhooks", {}, { cookie: await signIn(second), origin: second.baseUrl });
        await mine.until((u) => hooksOf(u)?.length === 0);
        r.answer = (_request, index) => (index === 0 ? 500 : 200);
        const made = (await first.owner(first.creds.ownerToken, "POST", "/webhooks", { url: r.url })).body as { id: string };
        await mine.until((u) => only(u)?.id === made.id);
        let seen = mark(mine);
        await runIn(first, "FINISHED");
        await seen(failing(1));
        seen = mark(mine);
        clock.retryNow();
        await seen(delivered);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
        await second.close();
      }
    } finally {
      await first.close();
      await r.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
