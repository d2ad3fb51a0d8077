/**
 * The UI's writes and one-off reads: the hub's REST owner API, signed in by the
 * session cookie. Every state-changing call sends the CSRF header the hub
 * requires of cookie-authenticated requests, and an Idempotency-Key so a
 * retried click never acts twice.
 */
// Type-only: the hub's own shape of a listed token, so the page and the route cannot drift apart.
import type { ApiTokenView } from "../hub/services/api-tokens.ts";
import type { WebhookView } from "../hub/services/webhooks.ts";
import type { TestDelivery } from "../hub/webhooks/dispatcher.ts";
import type { FeedEntry } from "../hub/store/activity.ts";
import { parseRetryAfter } from "../sdk/retry.ts";
import { hubReached } from "./hub-reached.ts";
import { truncate } from "./format.ts";

export type { ApiTokenView, TestDelivery, WebhookView };

export class ApiError extends Error {
  override readonly name = "ApiError";
  /** How long the hub asked to be left alone (`Retry-After` on a 429 or 503), in ms; null when it did not say. */
  readonly retryAfterMs: number | null;
  /** The HTTP status; 0 when no answer came. */
  constructor(readonly status: number, message: string, options?: ErrorOptions & { retryAfterMs?: number | null }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }
}

/**
 * A proxy's answer in front of the hub that says the hub did not answer: 502 Bad Gateway, 504 Gateway Timeout
 * (the hub itself never sends these; its own 503 says nothing was written). As good as no answer: the hub may or
 * may not have acted, and it was not reached.
 */
const isGatewayFailure = (status: number) => status === 502 || status === 504;

/** The request got no answer of the hub's: the network failed, or a proxy in front of it could not reach it. */
export function isNoAnswer(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || isGatewayFailure(error.status));
}

/** A delete or revoke of a thing already gone (in another tab; a list not live shows it still): done, as asked. */
export async function gone(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
}

const CSRF = { "x-groupchat-csrf": "1" };

/** What the page says when the request never got an answer (the hub down, the network gone, the answer lost). */
const UNREACHABLE = "Could not reach the hub: check the connection and try again.";

/**
 * The Idempotency-Key of each write that got no answer, by what it asked: clicking again sends the same
 * request with the same key, so if the hub did act on the first (only its answer was lost) it answers
 * that again instead of acting twice. Any answer of the hub's settles it (a proxy's 502 or 504 does not); the
 * next request, even the same, is new.
 */
const unanswered = new Map<string, string>();

async function call<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { ...CSRF, ...extra };
  const json = body === undefined ? undefined : JSON.stringify(body);
  if (json !== undefined) headers["content-type"] = "application/json";
  const request = JSON.stringify([method, path, json ?? null, extra]);
  if (method === "POST") {
    const key = unanswered.get(request) ?? crypto.randomUUID();
    unanswered.set(request, key);
    headers["idempotency-key"] = key;
  }
  const response = await reach(`/api/v1${path}`, { method, headers, credentials: "same-origin", body: json });
  if (!isGatewayFailure(response.status)) unanswered.delete(request);
  return answer<T>(response);
}

async function reach(url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (cause) {
    // fetch says only "Failed to fetch" (or "NetworkError…", "Load failed") however it failed.
    throw new ApiError(0, UNREACHABLE, { cause });
  }
  if (!isGatewayFailure(response.status)) hubReached();
  return response;
}

async function answer<T>(response: Response): Promise<T> {
  const text = await response.text().catch(() => "");
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not the hub's JSON: a proxy's error page in front of it, say. Its status says enough.
  }
  if (!response.ok) {
    const error = (parsed as { error?: unknown } | null)?.error;
    const retryAfterMs = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get("retry-after"), Date.now()) : null;
    throw new ApiError(response.status, typeof error === "string" ? error : `${response.status} ${response.statusText}`.trim(), { retryAfterMs });
  }
  return parsed as T;
}

/** An image uploaded to the hub: `url` goes in a task's images. */
export interface Upload {
  id: string;
  url: string;
  name?: string;
  bytes: number;
  contentType: string;
}

/** The file's own bytes as the body (the hub tells the type by them); no Idempotency-Key: a retry only makes another file. */
async function upload(workspaceId: string, file: File): Promise<Upload> {
  const query = new URLSearchParams({ workspaceId, ...(file.name ? { name: truncate(file.name, 200) } : {}) });
  const response = await reach(`/api/v1/uploads?${query}`, {
    method: "POST", headers: { ...CSRF, "content-type": file.type || "application/octet-stream" }, credentials: "same-origin", body: file,
  });
  return answer<Upload>(response);
}

export interface SessionInfo {
  userId: string;
  name: string;
  expiresAt: number;
}

export const api = {
  session: () => call<SessionInfo>("GET", "/session"),
  signIn: (code: string) => call<SessionInfo>("POST", "/session", { code }),
  signOut: () => call<null>("DELETE", "/session"),
  /** The `hub login` command for this hub; null unless this browser is on the hub's machine. */
  signInHelp: () => call<{ command: string | null; cli: string }>("GET", "/session/sign-in-help"),
  /** A one-time link that signs this person in on another device (15 minutes). */
  signInLink: () => call<{ url: string; expiresAt: number }>("POST", "/session/link"),
  /** Joins with an invite: as the person signed in, or as a new person by `name`. */
  join: (code: string, name?: string) => call<SessionInfo & { workspaceId: string }>("POST", "/session/join", name ? { code, name } : { code }),
  openInvites: (workspaceId: string) =>
    call<{ id: string; createdBy: { id: string; name: string }; createdAt: number; expiresAt: number }[]>("GET", `/workspaces/${encodeURIComponent(workspaceId)}/invites`),
  revokeInvite: (workspaceId: string, inviteId: string) =>
    call<null>("DELETE", `/workspaces/${encodeURIComponent(workspaceId)}/invites/${encodeURIComponent(inviteId)}`),
  createInvite: (workspaceId: string) =>
    call<{ code: string; url: string; expiresAt: number; workspaceName: string }>("POST", `/workspaces/${encodeURIComponent(workspaceId)}/invites`),
  createTask: (input: { projectId: string; title: string; description?: string; dueDate?: string | null }) =>
    call<{ id: string }>("POST", "/tasks", input),
  editTask: (id: string, patch: { title?: string; description?: string; status?: string; dueDate?: string | null; images?: { url: string; name: string }[]; ownerId?: string }) =>
    call<{ id: string }>("PATCH", `/tasks/${encodeURIComponent(id)}`, patch),
  deleteTask: (id: string) => call<null>("DELETE", `/tasks/${encodeURIComponent(id)}`),
  /**
   * Appends to the task's images (the hub reads its list under the task's lock: someone adding at the same time keeps theirs).
   * One given by its URL alone is named by the hub, after the URL's last path segment.
   */
  addImages: (taskId: string, images: (string | { url: string; name: string })[]) =>
    call<{ id: string }>("POST", `/tasks/${encodeURIComponent(taskId)}/images`, { images }),
  /** 404 when the task no longer holds it: `gone()` takes that as done. */
  removeImage: (taskId: string, url: string) =>
    call<{ id: string }>("DELETE", `/tasks/${encodeURIComponent(taskId)}/images?${new URLSearchParams({ url })}`),
  comment: (taskId: string, body: string) => call<{ runId: string | null; ambiguousMentions: string[] }>("POST", `/tasks/${encodeURIComponent(taskId)}/comments`, { body }),
  /** Your own comment, edited: it tells the people it newly @mentions and starts no agent's run. */
  editComment: (taskId: string, commentId: string, body: string) =>
    call<FeedEntry>("PATCH", `/tasks/${encodeURIComponent(taskId)}/comments/${encodeURIComponent(commentId)}`, { body }),
  deleteComment: (taskId: string, commentId: string) => call<null>("DELETE", `/tasks/${encodeURIComponent(taskId)}/comments/${encodeURIComponent(commentId)}`),
  delegate: (taskId: string, agentId: string, prompt?: string) =>
    call<{ id: string }>("POST", `/tasks/${encodeURIComponent(taskId)}/delegate`, prompt ? { agentId, prompt } : { agentId }),
  followUp: (runId: string, message: string) =>
    call<{ id: string; runs: { id: string }[]; ambiguousMentions: string[] }>("POST", `/runs/${encodeURIComponent(runId)}/follow-up`, { message }),
  stop: (runId: string) => call<{ id: string }>("POST", `/runs/${encodeURIComponent(runId)}/stop`),
  /** The run again: a new PENDING run of its agent on its task, with the same prompt (409 while one is going there). */
  retry: (runId: string) => call<{ id: string; retryOf: string }>("POST", `/runs/${encodeURIComponent(runId)}/retry`),
  createAgent: (name: string, description?: string) =>
    call<{ id: string; name: string; token: string }>("POST", "/agents", description ? { name, description } : { name }),
  deleteAgent: (agentId: string) => call<null>("DELETE", `/agents/${encodeURIComponent(agentId)}`),
  removeMember: (workspaceId: string, userId: string) =>
    call<null>("DELETE", `/workspaces/${encodeURIComponent(workspaceId)}/members/${encodeURIComponent(userId)}`),
  createWorkspace: (name: string) => call<{ id: string; name: string }>("POST", "/workspaces", { name }),
  /** Renames the workspace, or hands it to another member (`creatorId`): its creator's to do. */
  editWorkspace: (workspaceId: string, patch: { name?: string; creatorId?: string }) =>
    call<{ id: string }>("PATCH", `/workspaces/${encodeURIComponent(workspaceId)}`, patch),
  deleteWorkspace: (workspaceId: string) => call<null>("DELETE", `/workspaces/${encodeURIComponent(workspaceId)}`),
  editProject: (projectId: string, patch: { name?: string; description?: string }) =>
    call<{ id: string }>("PATCH", `/projects/${encodeURIComponent(projectId)}`, patch),
  deleteProject: (projectId: string) => call<null>("DELETE", `/projects/${encodeURIComponent(projectId)}`),
  createProject: (workspaceId: string, name: string) =>
    call<{ id: string; name: string }>("POST", "/projects", { name }, { "x-workspace-id": workspaceId }),
  rotateToken: (agentId: string) => call<{ token: string }>("POST", `/agents/${encodeURIComponent(agentId)}/token`),
  apiTokens: () => call<ApiTokenView[]>("GET", "/tokens"),
  /** A new personal access token: `token` is shown this once. */
  createApiToken: (name: string) => call<{ id: string; name: string; createdAt: number; token: string }>("POST", "/tokens", { name }),
  revokeApiToken: (tokenId: string) => call<null>("DELETE", `/tokens/${encodeURIComponent(tokenId)}`),
  /** A new webhook: `secret` is shown this once. */
  createWebhook: (url: string, description: string) =>
    call<{ id: string; url: string; description: string; createdAt: number; secret: string }>("POST", "/webhooks", { url, description }),
  deleteWebhook: (webhookId: string) => call<null>("DELETE", `/webhooks/${encodeURIComponent(webhookId)}`),
  testWebhook: (webhookId: string) => call<TestDelivery>("POST", `/webhooks/${encodeURIComponent(webhookId)}/test`),
  upload,
  markRead: (ids: string[]) => call<{ updated: number }>("POST", "/notifications/read", { ids }),
  /** The unread notifications about this task (the newest 500): it is open, so what they said is seen. */
  markTaskRead: (taskId: string) => call<{ updated: number }>("POST", "/notifications/read-task", { taskId }),
  /** Everything up to the newest notification the page shows, seen or scrolled past. */
  markAllRead: (upTo: string) => call<{ updated: number }>("POST", "/notifications/read-all", { upTo }),
};
