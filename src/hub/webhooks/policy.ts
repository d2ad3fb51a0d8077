/**
 * The pure rules of webhook delivery: when to try again, when to give up, what a delivery is called
 * and how it is signed. No I/O: the dispatcher (dispatcher.ts) applies them.
 */
import { createHash, createHmac } from "node:crypto";
import type { WebhooksConfig } from "../config.ts";

/**
 * The wait before attempt `failures + 1`: retryBaseMs doubling at each failure, capped at retryMaxMs, less
 * up to a fifth at random so that receivers that came back together are not all tried at the same moment.
 */
export function retryDelayMs(failures: number, config: Pick<WebhooksConfig, "retryBaseMs" | "retryMaxMs">, random = Math.random()): number {
  const full = Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(full * (1 - random / 5));
}

/** Whether a webhook failing `failures` times in a row since `failingSince` is turned off now. */
export function shouldDisable(failures: number, failingSince: number, now: number, config: Pick<WebhooksConfig, "disableAfterMs" | "disableAfterFailures">): boolean {
  return failures >= config.disableAfterFailures && now - failingSince >= config.disableAfterMs;
}

/** An answer in 2xx is a delivery; anything else (a redirect included: it is not followed) is tried again. */
export const delivered = (status: number): boolean => status >= 200 && status < 300;

/** The delivery id of a notification to a webhook: the same at every attempt (receivers deduplicate by it), unique to both. */
export function deliveryId(webhookId: string, notificationId: string): string {
  return `dlv_${createHash("sha256").update(`${webhookId}\n${notificationId}`).digest("hex").slice(0, 32)}`;
}

/** `X-GroupChat-Signature`: GitHub's scheme, the HMAC-SHA256 of the raw body with the webhook's secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
