/**
 * One attempt at one delivery: a signed POST of the event to the webhook's URL, told apart as delivered
 * (2xx) or failed, with what the list shows of it. It never throws: a timeout, a refused connection or
 * the hub stopping are outcomes too.
 */
import { linkedSignal } from "../../sdk/signal.ts";
import type { Notification } from "../store/notifications.ts";
import type { Attempt } from "../store/webhooks.ts";
import { delivered, signature } from "./policy.ts";

/** What a receiver gets. `notification` is what GET /notifications lists; null for a test (`ping`). */
export interface WebhookEvent {
  /** The delivery id (also X-GroupChat-Delivery): the same at every attempt. */
  id: string;
  /** The notification's type, or `ping`. */
  type: string;
  createdAt: number;
  /** The notification as a Slack message (mrkdwn), so a Slack incoming-webhook URL works as is: see text.ts. */
  text: string;
  notification: Notification | null;
}

export interface SendOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  /** The hub stopping: the attempt is abandoned (and counts as neither delivered nor failed). */
  signal: AbortSignal;
  now: () => number;
}

export type Outcome = { kind: "delivered" | "failed"; attempt: Attempt } | { kind: "aborted" };

export async function send(target: { url: string; secret: string }, event: WebhookEvent, options: SendOptions): Promise<Outcome> {
  const sentAt = options.now();
  // sentAt is in the signed body, so a receiver can refuse an old delivery replayed (the header only repeats it).
  const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, sentAt, text: event.text, notification: event.notification });
  const timeout = AbortSignal.timeout(options.timeoutMs);
  // Not AbortSignal.any: the hub's signal lives as long as the hub, and Node 20 would keep each attempt's on it.
  const linked = linkedSignal([options.signal, timeout]);
  try {
    const response = await options.fetch(target.url, {
      method: "POST",
      body,
      redirect: "manual",
      signal: linked.signal,
      headers: {
        "content-type": "application/json",
        "user-agent": "openclaw-groupchat-webhooks",
        "x-groupchat-event": event.type,
        "x-groupchat-delivery": event.id,
        "x-groupchat-timestamp": String(sentAt),
        "x-groupchat-signature": signature(target.secret, body),
      },
    });
    // The answer's body is not read: only its status counts.
    await response.body?.cancel().catch(() => undefined);
    const attempt = { at: sentAt, status: response.status, error: delivered(response.status) ? null : `HTTP ${response.status}` };
    return { kind: delivered(response.status) ? "delivered" : "failed", attempt };
  } catch (error) {
    if (options.signal.aborted) return { kind: "aborted" };
    const why = timeout.aborted ? `no answer in ${options.timeoutMs / 1000} s` : failure(error);
    return { kind: "failed", attempt: { at: sentAt, status: null, error: why } };
  } finally {
    linked.dispose();
  }
}

/** Why a request got no answer, in a few words (undici's "fetch failed" says nothing: its cause does). */
function failure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return (cause?.code ?? cause?.message ?? (error as Error).message ?? "request failed").slice(0, 200);
}
