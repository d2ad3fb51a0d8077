/**
 * A notification as one readable sentence naming who did what to which task, built from its fields alone
 * (so a type the hub does not send yet, or one newer than this page, still reads as something).
 * Pure: the web page renders the parts, turning the task and the workspace into links; a webhook's `text`
 * (src/hub/webhooks/text.ts) says the same in Slack's mrkdwn.
 */
import type { Notification } from "../store/notifications.ts";

/** `task: null`: a task whose title is not known (one gone since), shown as "a task". */
export type SentencePart = string | { task: string | null } | { workspace: string };

/** The fields a sentence is made of: a newer hub may send a type this page does not know. */
export type Describable = Pick<Notification, "actor" | "taskId" | "taskTitle"> & { type: string };

export function notificationSentence(n: Describable, workspaceName?: string): SentencePart[] {
  const who = n.actor?.name ?? "Someone";
  const task = { task: n.taskTitle };
  switch (n.type) {
    case "task_assigned": return [`${who} assigned you `, task];
    case "run_started": return [`${who} started work on `, task];
    case "run_comment": return [`${who} commented on `, task];
    case "run_finished": return [`${who} finished `, task];
    case "run_error": return [`${who} hit an error on `, task];
    case "run_stopped": return [`${who} stopped the run on `, task];
    case "mention": return [`${who} mentioned you on `, task];
    case "tasks_handed_over": return workspaceName === undefined
      ? [`${who} handed tasks over to you`]
      : [`${who} handed tasks in `, { workspace: workspaceName }, " over to you"];
    // The hub's own word (no actor): its body says which webhook and why.
    case "webhook_disabled": return ["One of your webhooks was turned off: it failed for a day"];
    default: {
      // Unknown: its type in words, and its task if it has one.
      const words = n.type.replace(/_/g, " ").trim() || "notification";
      return n.taskId === null ? [`${who}: ${words}`] : [`${who}: ${words} on `, task];
    }
  }
}

/** The sentence as plain text (the task's title in quotes), as a screen reader or a test reads it. */
export function sentenceText(parts: SentencePart[]): string {
  return parts.map((p) => typeof p === "string" ? p : "task" in p ? (p.task === null ? "a task" : `“${p.task}”`) : p.workspace).join("");
}
