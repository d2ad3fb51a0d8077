/**
 * Every write the hub makes, by name, with plain-data input. A command is what
 * crosses from the HTTP layer to wherever writes run (this thread, or the
 * writer thread that owns the SQLite connection), so its input and result must
 * survive JSON. `response` is the wire schema the result is serialized with,
 * the same one the route declares, so the body is built next to the database
 * and the HTTP thread only sends it.
 */
import type { TSchema } from "typebox";
import { Activity, RunListItem, Task, type Image } from "../sdk/types.ts";
import {
  ApiTokenWithSecret, WebhookWithSecret, AgentWithToken, FollowedUp, Invite, MemberAdded, NewToken, OwnerActivity, OwnerRunListItem, PostedComment, Project, ReadCount, Workspace,
} from "./http/schemas.ts";
import type { AgentPrincipal, UserPrincipal } from "./principal.ts";
import { createAgent, deleteAgent, rotateAgentToken } from "./services/agents.ts";
import { createApiToken, revokeApiToken } from "./services/api-tokens.ts";
import { followUp } from "./services/follow-up.ts";
import { retryRun } from "./services/retry.ts";
import { commentOnRun, delegate, endRun, heartbeatRun, reapRun, startRun, stopRun } from "./services/runs.ts";
import { createInvite, joinWithInvite, revokeInvite, type Joiner } from "./services/invites.ts";
import { endSession, issueLoginCode, redeemLoginCode } from "./services/sessions.ts";
import { deleteComment, editComment } from "./services/comment-edits.ts";
import { commentOnTask, createTask, deleteTask, editTask, type NewTask, type TaskEdit } from "./services/tasks.ts";
import { addTaskImages, removeTaskImage } from "./services/task-images.ts";
import {
  addWorkspaceMember, createProject, createWorkspace, deleteProject, deleteWorkspace, editProject, editWorkspace, removeWorkspaceMember,
  type WorkspaceEdit,
} from "./services/workspaces.ts";
import { purgeDeleted } from "./services/purge.ts";
import { createUpload, purgeUnreferencedUploads, type NewUpload } from "./services/uploads.ts";
import { addUser, setUp } from "./setup.ts";
import { deleteIdempotencyKeysBefore } from "./store/idempotency.ts";
import { markRead, type ReadSelection } from "./store/notifications.ts";
import { touchRun } from "./store/runs.ts";
import { touchApiToken } from "./store/api-tokens.ts";
import { claimWebhook, releaseWebhook, type Attempt } from "./store/webhooks.ts";
import { createWebhook, removeWebhook, webhookAnswered, webhookDelivered, webhookFailed, type NewWebhook } from "./services/webhooks.ts";
import type { WebhooksConfig } from "./config.ts";
import type { CostInput } from "./domain/cost.ts";
import type { Write } from "./write.ts";

export interface Command<I, O> {
  run(w: Write, input: I): Promise<O>;
  /** The response body's schema, for commands an HTTP route answers with. */
  response?: TSchema;
  /**
   * The result holds a secret shown once (a new token, an invite link): it is never
   * stored for an Idempotency-Key replay, so a retry learns the call succeeded, not
   * the secret. Set, it says so to the retry: "the token it made is shown only once…".
   */
  secret?: string;
}

const command = <I, O>(run: (w: Write, input: I) => Promise<O>, response?: TSchema, options: { secret?: string } = {}): Command<I, O> =>
  ({ run, response, ...(options.secret ? { secret: options.secret } : {}) });

const TOKEN_SHOWN_ONCE = "the token it made is shown only once. Rotate the agent's token to get a new one.";

type AgentCall = { agent: AgentPrincipal; runId: string };
type UserCall = { user: UserPrincipal };

export const commands = {
  // The agent's side of a run.
  startRun: command((w, i: AgentCall & { body?: string | undefined }) => startRun(w, i.agent, i.runId, i.body), RunListItem),
  commentOnRun: command((w, i: AgentCall & { body: string }) => commentOnRun(w, i.agent, i.runId, i.body), Activity),
  heartbeatRun: command((w, i: AgentCall) => heartbeatRun(w, i.agent, i.runId), RunListItem),
  endRun: command(
    (w, i: AgentCall & { action: "complete" | "error"; input: CostInput & { body?: string | undefined } }) =>
      endRun(w, i.agent, i.runId, i.action, i.input),
    RunListItem,
  ),
  /** Reading a RUNNING run's detail renews its lease. */
  touchRun: command(async (w, i: { runId: string }) => void (await touchRun(w.sql, i.runId, w.now))),

  // The owner's side.
  createAgent: command(
    (w, i: UserCall & { name: string; description?: string | undefined }) => createAgent(w, i.user, i),
    AgentWithToken, { secret: TOKEN_SHOWN_ONCE },
  ),
  rotateAgentToken: command(
    (w, i: UserCall & { agentId: string }) => rotateAgentToken(w, i.user, i.agentId),
    NewToken, { secret: TOKEN_SHOWN_ONCE },
  ),
  deleteAgent: command((w, i: UserCall & { agentId: string }) => deleteAgent(w, i.user, i.agentId)),
  createWorkspace: command((w, i: UserCall & { name: string }) => createWorkspace(w, i.user, i.name), Workspace),
  editWorkspace: command((w, i: UserCall & { workspaceId: string; edit: WorkspaceEdit }) => editWorkspace(w, i.user, i.workspaceId, i.edit), Workspace),
  deleteWorkspace: command((w, i: UserCall & { workspaceId: string }) => deleteWorkspace(w, i.user, i.workspaceId)),
  removeWorkspaceMember: command((w, i: UserCall & { workspaceId: string; userId: string }) => removeWorkspaceMember(w, i.user, i.workspaceId, i.userId)),
  revokeInvite: command((w, i: UserCall & { workspaceId: string; inviteId: string }) => revokeInvite(w, i.user, i.workspaceId, i.inviteId)),
  createInvite: command(
    (w, i: UserCall & { workspaceId: string }) => createInvite(w, i.user, i.workspaceId),
    Invite, { secret: "the invite link it made is shown only once. Make another one." },
  ),
  addWorkspaceMember: command(
    (w, i: UserCall & { workspaceId: string; userId: string }) => addWorkspaceMember(w, i.user, i.workspaceId, i.userId),
    MemberAdded,
  ),
  createProject: command(
    (w, i: UserCall & { workspaceId: string; name: string; description?: string | undefined }) => createProject(w, i.user, i.workspaceId, i),
    Project,
  ),
  editProject: command(
    (w, i: UserCall & { projectId: string; edit: { name?: string | undefined; description?: string | undefined } }) => editProject(w, i.user, i.projectId, i.edit),
    Project,
  ),
  deleteProject: command((w, i: UserCall & { projectId: string }) => deleteProject(w, i.user, i.projectId)),
  createTask: command((w, i: UserCall & { task: NewTask }) => createTask(w, i.user, i.task), Task),
  editTask: command((w, i: UserCall & { taskId: string; edit: TaskEdit }) => editTask(w, i.user, i.taskId, i.edit), Task),
  deleteTask: command((w, i: UserCall & { taskId: string }) => deleteTask(w, i.user, i.taskId)),
  addTaskImages: command((w, i: UserCall & { taskId: string; images: Image[] }) => addTaskImages(w, i.user, i.taskId, i.images), Task),
  removeTaskImage: command((w, i: UserCall & { taskId: string; url: string }) => removeTaskImage(w, i.user, i.taskId, i.url), Task),
  commentOnTask: command((w, i: UserCall & { taskId: string; body: string }) => commentOnTask(w, i.user, i.taskId, i.body), PostedComment),
  editComment: command(
    (w, i: UserCall & { taskId: string; commentId: string; body: string }) => editComment(w, i.user, i.taskId, i.commentId, i.body),
    OwnerActivity,
  ),
  deleteComment: command((w, i: UserCall & { taskId: string; commentId: string }) => deleteComment(w, i.user, i.taskId, i.commentId)),
  delegate: command(
    (w, i: UserCall & { taskId: string; agentId: string; prompt?: string | undefined }) => delegate(w, i.user, i.taskId, i.agentId, i.prompt),
    RunListItem,
  ),
  followUp: command((w, i: UserCall & { runId: string; message: string }) => followUp(w, i.user, i.runId, i.message), FollowedUp),
  retryRun: command((w, i: UserCall & { runId: string }) => retryRun(w, i.user, i.runId), OwnerRunListItem),
  stopRun: command((w, i: UserCall & { runId: string }) => stopRun(w, i.user, i.runId), RunListItem),
  createUpload: command((w, i: UserCall & { upload: NewUpload; quotaBytes: number }) => createUpload(w, i.user, i.upload, i.quotaBytes)),
  markNotificationsRead: command(async (w, i: UserCall & { selection: ReadSelection }) => {
    const updated = await markRead(w.sql, i.user.userId, i.selection, w.now);
    if (updated > 0) w.changes.users.add(i.user.userId);
    return { updated };
  }, ReadCount),

  createApiToken: command(
    (w, i: UserCall & { name: string }) => createApiToken(w, i.user, i.name),
    ApiTokenWithSecret, { secret: "the token it made is shown only once. Make another one (and revoke this one if it is lost)." },
  ),
  revokeApiToken: command((w, i: UserCall & { tokenId: string }) => revokeApiToken(w, i.user, i.tokenId)),
  /** A personal access token was used (written at most once a minute per token: OwnerAuth decides). */
  touchApiToken: command(async (w, i: { tokenId: string; at: number }) => touchApiToken(w.sql, i.tokenId, i.at)),

  createWebhook: command(
    (w, i: UserCall & { webhook: NewWebhook }) => createWebhook(w, i.user, i.webhook),
    WebhookWithSecret, { secret: "its secret is shown only once. Delete the webhook and add it again to get a new one." },
  ),
  deleteWebhook: command((w, i: UserCall & { webhookId: string }) => removeWebhook(w, i.user, i.webhookId)),
  webhookAnswered: command((w, i: UserCall & { webhookId: string }) => webhookAnswered(w, i.user, i.webhookId)),

  // The webhook dispatcher's (webhooks/dispatcher.ts): a lease per webhook, its cursor moved as events go.
  claimWebhook: command(async (w, i: { webhookId: string; owner: string; leaseMs: number }) => (await claimWebhook(w.sql, i.webhookId, i.owner, w.now, i.leaseMs)) ?? null),
  webhookDelivered: command((w, i: { webhookId: string; owner: string; cursor: string; attempt: Attempt; leaseMs: number }) =>
    webhookDelivered(w, i.webhookId, i.owner, i.cursor, i.attempt, i.leaseMs)),
  webhookFailed: command((w, i: { webhookId: string; owner: string; attempt: Attempt; config: WebhooksConfig }) =>
    webhookFailed(w, i.webhookId, i.owner, i.attempt, i.config)),
  releaseWebhook: command((w, i: { webhookId: string; owner: string; cursor: string }) => releaseWebhook(w.sql, i.webhookId, i.owner, i.cursor)),

  // Sessions, setup and housekeeping.
  issueLoginCode: command((w, i: { userId: string }) => issueLoginCode(w, i.userId)),
  redeemLoginCode: command((w, i: { code: string }) => redeemLoginCode(w, i.code)),
  joinWithInvite: command((w, i: { code: string; joiner: Joiner }) => joinWithInvite(w, i.code, i.joiner)),
  endSession: command((w, i: { token: string }) => endSession(w, i.token)),
  setUp: command((w, i: { ownerName: string }) => setUp(w, i.ownerName)),
  addUser: command((w, i: { name: string }) => addUser(w, i.name)),
  reapRun: command((w, i: { runId: string; staleBefore: number }) => reapRun(w, i.runId, i.staleBefore)),
  forgetIdempotencyKeys: command((w, i: { before: number }) => deleteIdempotencyKeysBefore(w.sql, i.before)),
  purgeDeleted: command((w, i: { limit: number }) => purgeDeleted(w, i.limit)),
  purgeUnreferencedUploads: command((w, i: { before: number; limit: number }) => purgeUnreferencedUploads(w, i.before, i.limit)),
};

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandInput<N extends CommandName> = Commands[N] extends Command<infer I, unknown> ? I : never;
export type CommandResult<N extends CommandName> = Commands[N] extends Command<never, infer O> ? O : never;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}
