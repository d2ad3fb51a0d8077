/**
 * What OpenClaw is told about a GroupChat run, decided purely from the run's
 * detail: the message (the prompt, or the follow-up), the session key (one
 * OpenClaw conversation per task, so a follow-up continues it), the turn's
 * idempotency key (one per run: re-sending it after a drop or a restart finds
 * the same turn), and the task's context as `extraSystemPrompt`, trimmed so a
 * long thread cannot crowd out the work: the newest activity is kept.
 */
import { clip } from "../sdk/clip.ts";
import type { AgentRunDetail } from "../sdk/index.ts";

export interface ContextLimits {
  /** Upper bound of the whole context block. Default 12,000 characters. */
  maxChars?: number;
  /** Of that, the description's share. Default 4,000. */
  maxDescriptionChars?: number;
  /** One activity entry's. Default 1,500. */
  maxEntryChars?: number;
}

const SAFE = /[^A-Za-z0-9_-]/g;

/** The task a run belongs to (hosted GroupChat may send only `task.id`). */
export function taskIdOf(run: AgentRunDetail): string {
  return run.taskId ?? run.task.id ?? run.id;
}

/** One OpenClaw session per GroupChat task. */
export function sessionKeyFor(taskId: string, agentId = "main"): string {
  return `agent:${agentId}:groupchat-${taskId.replace(SAFE, "_")}`;
}

/** One OpenClaw turn per GroupChat run; the gateway also uses it as the turn's run id. */
export function turnKeyFor(runId: string): string {
  return `${TURN_KEY_PREFIX}${runId.replace(SAFE, "_")}`;
}

const TURN_KEY_PREFIX = "groupchat-run-";

/** Whether an OpenClaw run id is one of the bridge's turns (not one OpenClaw started by itself). */
export function isTurnKey(runId: string): boolean {
  return runId.startsWith(TURN_KEY_PREFIX);
}

/** A task's working directory's name (under the bridge's work root). */
export function workdirName(taskId: string): string {
  return taskId.replace(SAFE, "_");
}

/** What the person asked for in this run. */
export function turnMessage(run: AgentRunDetail): string {
  const text = run.lastFollowUpMessage?.trim() || run.prompt.trim();
  return text || `Work on the task "${run.task.title ?? run.taskTitle}".`;
}


function date(ms: number | undefined): string {
  return typeof ms === "number" ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") : "";
}

/** The task's context for OpenClaw's system prompt. */
export function extraSystemPrompt(run: AgentRunDetail, workdir: string, limits: ContextLimits = {}): string {
  const maxChars = limits.maxChars ?? 12_000;
  const task = run.task;
  const head: string[] = [
    "You are working on a task from GroupChat, a task tracker. A person delegated it to you; your final reply is posted to them as the result, so make it a clear summary of what you did.",
    `Work in this directory (it is this task's own): ${workdir}`,
    "",
    `Task: ${task.title ?? run.taskTitle}`,
  ];
  if (task.status) head.push(`Status: ${task.status}`);
  if (task.dueDate) head.push(`Due: ${task.dueDate}`);
  const owner = task.owner?.name ?? run.owner?.name;
  if (owner) head.push(`Owner: ${owner}`);
  if (task.creator?.name && task.creator.name !== owner) head.push(`Created by: ${task.creator.name}`);
  if (task.description?.trim()) head.push("", "Description:", clip(task.description.trim(), limits.maxDescriptionChars ?? 4_000));
  const images = task.images ?? [];
  if (images.length) head.push("", "Images:", ...images.slice(0, 10).map((image) => `- ${image.name}: ${image.url}`));
  if (images.length > 10) head.push(`- …and ${images.length - 10} more`);

  const fixed = head.join("\n");
  const entries = (run.activity ?? []).filter((a) => a.type === "comment" && a.body?.trim());
  // Newest first until the budget is spent, then shown oldest first.
  const kept: string[] = [];
  let budget = maxChars - fixed.length - 200;
  for (let i = entries.length - 1; i >= 0 && budget > 0; i--) {
    const a = entries[i]!;
    const who = `${a.author?.name ?? "someone"}${a.author?.kind === "agent" ? " (agent)" : ""}`;
    const line = `- [${date(a.createdAt)}] ${who}: ${clip(a.body!.trim(), limits.maxEntryChars ?? 1_500)}`;
    if (line.length > budget) break;
    kept.unshift(line);
    budget -= line.length + 1;
  }
  if (kept.length === 0) return clip(fixed, maxChars);
  const omitted = entries.length - kept.length;
  const thread = ["", "The task's thread (oldest first):", ...(omitted > 0 ? [`- (${omitted} earlier comment${omitted === 1 ? "" : "s"} not shown)`] : []), ...kept];
  return clip(`${fixed}\n${thread.join("\n")}`, maxChars);
}
