/**
 * The webhook dispatcher: each hub runs one. Every `pollMs` it reads which webhooks have notifications past
 * their cursor (the notifications table is written with each run transition and comment already, so the
 * agents' calls do nothing more), claims each with a lease (one hub at a time per webhook, however many
 * share a PostgreSQL database), and delivers its events one after another, in order: a failure waits its
 * backoff and holds back those after it; a 2xx moves the cursor on. Webhooks are delivered side by side,
 * so one slow receiver holds up no one else's. Stopping aborts what is in flight and lets the leases go:
 * those events are sent again at the next start (at least once; receivers deduplicate by delivery id).
 * The change feed wakes it as soon as a person's notifications change (on PostgreSQL, once they have settled),
 * so a delivery need not wait for the next tick; the tick stays for what a wake cannot tell (retries, missed changes).
 */
import { randomBytes } from "node:crypto";
import type { ChangeFeed } from "../changes.ts";
import type { WebhooksConfig } from "../config.ts";
import type { Reader } from "../db/port.ts";
import { notFound, unavailable } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { notificationAfter, type Notification } from "../store/notifications.ts";
import { dueWebhooks, findWebhook, type ClaimedWebhook } from "../store/webhooks.ts";
import type { Clock } from "../write.ts";
import type { Writer } from "../writer/writer.ts";
import { send, type Outcome } from "./delivery.ts";
import { deliveryId } from "./policy.ts";
import { deliveryText } from "./text.ts";

export interface DispatcherDeps {
  db: Reader;
  writer: Writer;
  clock: Clock;
  /** Wakes the dispatcher when notifications are written (this hub's writes, and on PostgreSQL the relay's). */
  feed?: ChangeFeed;
  /** How deliveries are sent (the global fetch). */
  fetch?: typeof fetch;
  /** The hub's public origin (`--public-url`, else where it serves), for the task links in `text`; null while not known. */
  origin?: () => string | null;
  onError?: (error: unknown) => void;
  /** Told of each attempt that ended, test pings aside (the hub's metrics). */
  onAttempt?: (outcome: "delivered" | "failed") => void;
}

export interface TestDelivery {
  deliveryId: string;
  delivered: boolean;
  status: number | null;
  error: string | null;
  enabled: boolean;
}

/** POST /webhooks/:id/test, as the HTTP layer sees it. */
export interface WebhookTester {
  test(user: UserPrincipal, webhookId: string): Promise<TestDelivery>;
}

export class WebhookDispatcher implements WebhookTester {
  /** This hub's name on the leases it holds. */
  private readonly owner = `hub_${randomBytes(9).toString("base64url")}`;
  private readonly abort = new AbortController();
  private readonly draining = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  /** A wake came while a poll was under way: one more follows it. */
  private again = false;
  /** Wakes heard so far, so a drain that ends after one looks again (the poll it caused passed its webhook over). */
  private wakes = 0;
  /** On PostgreSQL, the one poll due once what woke it has settled; `woken`: another wake came meanwhile. */
  private settleTimer: NodeJS.Timeout | null = null;
  private woken = false;
  private unsubscribe: (() => void) | null = null;
  private readonly settleMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly deps: DispatcherDeps, private readonly config: WebhooksConfig) {
    this.settleMs = config.settleMs ?? (deps.db.dialect === "postgres" ? 2000 : 0);
    this.fetch = deps.fetch ?? fetch;
  }

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.config.pollMs);
    this.timer.unref();
    // Only a change to someone's notifications can make a webhook due; a burst of them makes one poll at a time.
    this.unsubscribe = this.deps.feed?.subscribe((changes) => {
      if (changes.everything || changes.users.size > 0) this.wake();
    }) ?? null;
  }

  /** One look for due webhooks (a tick that finds one under way skips it). */
  poll(): Promise<void> {
    if (this.polling || this.abort.signal.aborted) return this.polling ?? Promise.resolve();
    this.polling = this.claimDue().catch((error: unknown) => this.deps.onError?.(error)).finally(() => {
      this.polling = null;
      if (this.again) {
        this.again = false;
        void this.poll();
      }
    });
    return this.polling;
  }

  /** Notifications were written: look now, or on PostgreSQL once they have settled (ids may commit out of order). */
  private wake(): void {
    if (this.abort.signal.aborted) return;
    this.wakes++;
    if (this.settleMs <= 0) return this.lookAgain();
    if (this.settleTimer) {
      this.woken = true;
      return;
    }
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      this.lookAgain();
      if (this.woken) {
        this.woken = false;
        this.wake();
      }
    }, this.settleMs);
    this.settleTimer.unref();
  }

  /** A poll now, or right after the one under way (which may have read before the write committed). */
  private lookAgain(): void {
    if (this.polling) this.again = true;
    else void this.poll();
  }

  private async claimDue(): Promise<void> {
    const free = this.config.concurrency - this.draining.size;
    if (free <= 0) return;
    const now = this.deps.clock();
    const due = await dueWebhooks(this.deps.db, now, now - this.settleMs, free + this.draining.size);
    for (const webhookId of due) {
      if (this.draining.has(webhookId) || this.draining.size >= this.config.concurrency || this.abort.signal.aborted) continue;
      const claim = await this.deps.writer.run("claimWebhook", { webhookId, owner: this.owner, leaseMs: this.config.leaseMs });
      if (!claim) continue;
      const wakes = this.wakes;
      const drain = this.drain(claim)
        .catch((error: unknown) => this.deps.onError?.(error))
        .finally(() => {
          this.draining.delete(webhookId);
          // Woken while draining: what woke it may have come after the drain's last read.
          if (this.wakes !== wakes) this.lookAgain();
        });
      this.draining.set(webhookId, drain);
    }
  }

  /** Delivers the claimed webhook's events in order until none is left, one fails, or the hub stops. */
  private async drain(claim: ClaimedWebhook): Promise<void> {
    const lease = { webhookId: claim.id, owner: this.owner };
    let cursor = claim.cursor;
    for (;;) {
      const next = this.abort.signal.aborted ? undefined
        : await notificationAfter(this.deps.db, claim.user_id, cursor, this.deps.clock() - this.settleMs);
      if (!next) break;
      const { notification, shown, workspaceName } = next;
      // One its person no longer sees (its project deleted) is passed over, as GET /notifications leaves it out.
      if (!shown) {
        cursor = notification.id;
        continue;
      }
      const event = { id: deliveryId(claim.id, notification.id), type: notification.type, createdAt: notification.createdAt, text: this.text(notification, workspaceName), notification };
      const outcome = await this.send(claim, event);
      if (outcome.kind === "aborted") break;
      this.deps.onAttempt?.(outcome.kind);
      if (outcome.kind === "failed") {
        await this.deps.writer.run("webhookFailed", { ...lease, attempt: outcome.attempt, config: this.config });
        return;
      }
      // False: deleted meanwhile (its lease went with it).
      if (!(await this.deps.writer.run("webhookDelivered", { ...lease, cursor: notification.id, attempt: outcome.attempt, leaseMs: this.config.leaseMs }))) return;
      cursor = notification.id;
    }
    await this.deps.writer.run("releaseWebhook", { ...lease, cursor });
  }

  private send(target: { url: string; secret: string }, event: Parameters<typeof send>[1]): Promise<Outcome> {
    return send(target, event, { fetch: this.fetch, timeoutMs: this.config.timeoutMs, signal: this.abort.signal, now: this.deps.clock });
  }

  private text(notification: Notification | null, workspaceName: string | null = null): string {
    return deliveryText(notification, this.deps.origin?.() ?? null, workspaceName);
  }

  /** Sends a `ping` now, outside the queue; one delivered turns a disabled webhook on again. */
  async test(user: UserPrincipal, webhookId: string): Promise<TestDelivery> {
    const row = await findWebhook(this.deps.db, user.userId, webhookId);
    if (!row) throw notFound("Webhook");
    const event = { id: `dlv_${randomBytes(16).toString("hex")}`, type: "ping", createdAt: this.deps.clock(), text: this.text(null), notification: null };
    const outcome = await this.send(row, event);
    if (outcome.kind === "aborted") throw unavailable("The hub is stopping: try again in a moment");
    let enabled = row.disabled_at === null;
    if (outcome.kind === "delivered" && !enabled) enabled = await this.deps.writer.run("webhookAnswered", { user, webhookId });
    return { deliveryId: event.id, delivered: outcome.kind === "delivered", status: outcome.attempt.status, error: outcome.attempt.error, enabled };
  }

  /** Aborts the deliveries in flight and lets their leases go (they are sent again at the next start). */
  async stop(): Promise<void> {
    this.abort.abort();
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.timer = this.settleTimer = null;
    await this.polling;
    await Promise.all(this.draining.values());
  }
}
