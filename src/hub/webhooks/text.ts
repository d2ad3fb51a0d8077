/**
 * A delivery's `text`: the notification as a Slack message in mrkdwn, so a Slack incoming-webhook URL works as is
 * (Slack posts a body's top-level `text` and ignores the rest). The sentence the web UI shows, then the start of its
 * body, then a link to the task when the hub knows where it is served. Pure.
 */
import { notificationSentence, sentenceText } from "../domain/notification-text.ts";
import type { Notification } from "../store/notifications.ts";

/** How much of a body (a comment, a run's words) the message quotes, in characters. */
export const EXCERPT_CHARS = 300;

/** `&`, `<` and `>` are Slack's control characters: https://api.slack.com/reference/surfaces/formatting#escaping */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The first EXCERPT_CHARS characters (whole code points), with an ellipsis when cut. */
function excerpt(body: string): string {
  const chars = Array.from(body.trim());
  return chars.length <= EXCERPT_CHARS ? chars.join("") : `${chars.slice(0, EXCERPT_CHARS).join("").trimEnd()}…`;
}

/**
 * `notification` null: a test delivery (`ping`). `origin`: the hub's public URL, or null when not known.
 * `workspaceName`: the name of the workspace a notification about one (tasks_handed_over) is about, when known.
 */
export function deliveryText(notification: Notification | null, origin: string | null, workspaceName?: string | null): string {
  if (!notification) return "Test delivery from OpenClaw GroupChat: this webhook works.";
  const lines = [escapeMrkdwn(sentenceText(notificationSentence(notification, workspaceName ?? undefined)))];
  const body = excerpt(notification.body);
  if (body) lines.push(escapeMrkdwn(body));
  if (origin !== null && notification.taskId !== null) {
    const url = `${origin.replace(/\/+$/, "")}/tasks/${encodeURIComponent(notification.taskId)}`;
    lines.push(`<${url}|${escapeMrkdwn(notification.taskTitle ?? "Open the task")}>`);
  }
  return lines.join("\n");
}
