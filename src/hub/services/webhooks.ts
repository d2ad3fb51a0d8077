/**
 * Outgoing webhooks, as Linear and GitHub offer them: a person has their notifications POSTed to a URL
 * of theirs (Slack, a script), signed with a secret. These are the writes; src/hub/webhooks/ delivers.
 */
import { randomBytes } from "node:crypto";
import type { WebhooksConfig } from "../config.ts";
import { newId } from "../domain/ids.ts";
import { badRequest, conflict, notFound } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { countWebhooks, deleteWebhook, enableWebhook, failuresOf, insertWebhook, recordDelivered, recordFailed, type Attempt, type WebhookRow } from "../store/webhooks.ts";
import { retryDelayMs, shouldDisable } from "../webhooks/policy.ts";
import type { Write } from "../write.ts";
import { notify } from "./notify.ts";

/** Webhooks one person may have: a few receivers each, not a fan-out service. */
export const MAX_WEBHOOKS = 10;
export const MAX_WEBHOOK_URL = 2000;
export const MAX_WEBHOOK_DESCRIPTION = 200;
/** A secret the person gives: long enough to be one, short enough to be a secret and not a document. */
export const WEBHOOK_SECRET_LENGTH = { min: 16, max: 200 };

export interface WebhookView {
  id: string;
  url: string;
  description: string;
  createdAt: number;
  /** Off after failing for a day: no more deliveries until a test delivery succeeds. */
  disabledAt: number | null;
  lastAttempt: Attempt | null;
  lastDeliveredAt: number | null;
  consecutiveFailures: number;
  /** When the next attempt is due after a failure (null: none waiting). */
  nextAttemptAt: number | null;
}

export const toWebhookView = (row: WebhookRow): WebhookView => ({
  id: row.id, url: row.url, description: row.description, createdAt: row.created_at, disabledAt: row.disabled_at,
  lastAttempt: row.last_attempt_at === null ? null : { at: row.last_attempt_at, status: row.last_status, error: row.last_error },
  lastDeliveredAt: row.last_delivered_at, consecutiveFailures: row.failures,
  nextAttemptAt: row.failures > 0 && row.disabled_at === null ? row.next_attempt_at : null,
});

/** An absolute http(s) URL of at most MAX_WEBHOOK_URL characters, with no user name or password in it; else 400. */
export function parseWebhookUrl(text: string): string {
  if (text.length > MAX_WEBHOOK_URL) throw badRequest(`url must be at most ${MAX_WEBHOOK_URL} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest("url must be an absolute http or https URL, like https://example.com/hooks/groupchat");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badRequest(`url must be http or https, not ${url.protocol.slice(0, -1)}`);
  // It is listed back to its person and shown in the web UI: a password in it would be too.
  if (url.username || url.password) throw badRequest("url must not hold a user name or password: the receiver checks X-GroupChat-Signature instead");
  if (url.href.length > MAX_WEBHOOK_URL) throw badRequest(`url must be at most ${MAX_WEBHOOK_URL} characters`);
  return url.href;
}

function parseSecret(secret: string | undefined): string {
  if (secret === undefined) return `whsec_${randomBytes(32).toString("base64url")}`;
  const { min, max } = WEBHOOK_SECRET_LENGTH;
  // Visible ASCII: it goes into the receiver's config as it is, and HMAC keys compare byte by byte.
  if (secret.length < min || secret.length > max || !/^[\x21-\x7e]+$/.test(secret)) {
    throw badRequest(`secret must be ${min}-${max} visible ASCII characters (leave it out and the hub makes one)`);
  }
  return secret;
}

export interface NewWebhook {
  url: string;
  secret?: string | undefined;
  description?: string | undefined;
}

/** Adds a webhook; it delivers the notifications made from now on. Its secret is answered this once. */
export async function createWebhook(w: Write, user: UserPrincipal, input: NewWebhook): Promise<{ id: string; url: string; description: string; createdAt: number; secret: string }> {
  const url = parseWebhookUrl(input.url);
  const secret = parseSecret(input.secret);
  const description = (input.description ?? "").trim();
  if ([...description].length > MAX_WEBHOOK_DESCRIPTION) throw badRequest(`description must be at most ${MAX_WEBHOOK_DESCRIPTION} characters`);
  // Two made at the same time (PostgreSQL) take turns on the person's row, so the count holds.
  await w.sql.lock("users", user.userId);
  if ((await countWebhooks(w.sql, user.userId)) >= MAX_WEBHOOKS) {
    throw conflict(`You have ${MAX_WEBHOOKS} webhooks, the most one person may have: delete one you no longer use first`);
  }
  const id = newId("whk", w.now);
  // An id of this moment: every notification made after it sorts after it.
  await insertWebhook(w.sql, { id, user_id: user.userId, url, secret, description, created_at: w.now, cursor: newId("ntf", w.now) });
  w.changes.webhooks.add(user.userId);
  return { id, url, description, createdAt: w.now, secret };
}

export async function removeWebhook(w: Write, user: UserPrincipal, id: string): Promise<void> {
  if (!(await deleteWebhook(w.sql, user.userId, id))) throw notFound("Webhook");
  w.changes.webhooks.add(user.userId);
}

/** A test delivery succeeded: a webhook turned off is on again, for the notifications made from now on. */
export async function webhookAnswered(w: Write, user: UserPrincipal, id: string): Promise<boolean> {
  const enabled = await enableWebhook(w.sql, user.userId, id, newId("ntf", w.now));
  if (enabled) w.changes.webhooks.add(user.userId);
  return enabled;
}

/**
 * An event was delivered: the cursor moves past it and the lease is renewed. False when the lease was lost (the
 * webhook deleted). A claim or a release alone changes nothing the list shows, so only this and a failure touch it.
 */
export async function webhookDelivered(w: Write, id: string, owner: string, cursor: string, attempt: Attempt, leaseMs: number): Promise<boolean> {
  const userId = await recordDelivered(w.sql, id, owner, cursor, attempt, w.now + leaseMs);
  if (userId === null) return false;
  w.changes.webhooks.add(userId);
  return true;
}

/**
 * An attempt failed: the next one waits (policy.ts), or, failing for long enough, the webhook is turned off
 * and its person told (`webhook_disabled`, which their other webhooks deliver). Lets this hub's lease go.
 */
export async function webhookFailed(w: Write, id: string, owner: string, attempt: Attempt, config: WebhooksConfig): Promise<void> {
  const row = await failuresOf(w.sql, id, owner);
  if (!row) return;
  const failures = row.failures + 1;
  const failingSince = row.failing_since ?? attempt.at;
  const disabled = shouldDisable(failures, failingSince, attempt.at, config);
  await recordFailed(w.sql, id, owner, attempt, failures, failingSince, attempt.at + retryDelayMs(failures, config), disabled);
  w.changes.webhooks.add(row.user_id);
  if (disabled) {
    await notify(w, {
      userId: row.user_id, type: "webhook_disabled", taskId: null, runId: null, actorId: null,
      body: `Your webhook to ${row.url} was turned off after ${failures} failed deliveries in a row (the last: ${attempt.error ?? "no answer"}). Send it a test delivery to turn it on again.`,
    });
  }
}
