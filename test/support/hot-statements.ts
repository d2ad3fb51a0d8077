/**
 * Every SQL statement the hub runs, called through the store functions themselves
 * with each shape of their parameters (with and without a cursor, each status
 * filter, each deletion scope), and a port that records what they send. The query
 * plan test (test/db/query-plans.test.ts) and bench/query-plans.ts read the plans
 * and times of what these calls record.
 */
import type { Reader, Sql, SqlValue } from "../../src/hub/db/port.ts";
import { countActivity, listActivity, listNewestActivity, insertActivities, insertActivity, insertActivityPair, type ActivityRow } from "../../src/hub/store/activity.ts";
import { agentNamesOf, findAgent, findAgentByTokenHash, insertAgent, listAgentsOf, markAgentDeleted, setAgentTokenHash } from "../../src/hub/store/agents.ts";
import { countApiTokens, deleteApiToken, listApiTokens, touchApiToken } from "../../src/hub/store/api-tokens.ts";
import { deleteIdempotencyKeysBefore, findIdempotencyKey, insertIdempotencyKey } from "../../src/hub/store/idempotency.ts";
import { deleteExpiredInvites, deleteInvite, deleteInvitesBy, findInvite, insertInvite, listOpenInvites, takeInvite } from "../../src/hub/store/invites.ts";
import {
  countUnread, deleteNotificationsIn, deleteWorkspaceNotifications, insertNotification, listNotifications, markRead, notificationAfter,
} from "../../src/hub/store/notifications.ts";
import { countTasksByStatus, listBoardColumn } from "../../src/hub/store/owner-views.ts";
import { countRunsForOwner, failureReasons, listRunsForOwner } from "../../src/hub/store/owner-runs.ts";
import {
  findRun, findRunEnding, findRunForItsAgent, findRunForMember, findRunStarting, insertRun, listActiveRunsIn, listActiveRunsOfAgent, listActiveRunsOfCreatorIn,
  listRunsForAgent, listRunsOfAgentForUser, listRunsOfTask, listStaleRuns, listStoppedRunsForAgent, peopleWithRunsIn, touchAgentRun, touchRun, transitionRun,
} from "../../src/hub/store/runs.ts";
import { clearRemoval, markRemoved, wasRemoved } from "../../src/hub/store/removals.ts";
import { anythingToPurge, claimTasksOf, deleteEmptyProject, deleteEmptyWorkspaces, nextDeletedProject } from "../../src/hub/store/purge.ts";
import { deleteExpiredSessions, deleteSession, findSession, takeLoginCode } from "../../src/hub/store/sessions.ts";
import { listTasksForAgent, listTasksForUser } from "../../src/hub/store/task-lists.ts";
import {
  deleteTasks, findTask, findTaskRow, findTaskRowForMember, handOverTasks, insertTask, listTaskIdsIn, markTaskDoing,
  setTaskCostTotal, updateTask, type TaskScope,
} from "../../src/hub/store/tasks.ts";
import {
  addTaskUploads, lockUploads, markReferenced, markUnreferenced, removeTaskUploads, removeTaskUploadsIn, uploadsNamedBy, uploadsNamedIn,
} from "../../src/hub/store/task-uploads.ts";
import {
  anyUploadUnreferencedSince, claimUnreferencedUploads, deleteUnreferencedUploads, deleteUploadsOfDeletedWorkspaces, findServedUpload, giveUploadBytes,
  insertUpload, takeUploadBytes, uploadBytesOf,
} from "../../src/hub/store/uploads.ts";
import { findUser, findUserByTokenHash, insertOwnerToken, insertUser } from "../../src/hub/store/users.ts";
import {
  claimWebhook, countWebhooks, deleteWebhook, dueWebhooks, enableWebhook, failuresOf, findWebhook, insertWebhook, listWebhooks, recordDelivered, recordFailed,
  releaseWebhook,
} from "../../src/hub/store/webhooks.ts";
import {
  addMember, markProjectDeleted, markWorkspaceDeleted, findProject, findWorkspace, insertProject, insertWorkspace, isMember, listMembers, listProjects,
  listWorkspacesOf, removeMember, updateProject, updateWorkspace,
} from "../../src/hub/store/workspaces.ts";

/** The rows the calls name: on an empty database any ids do; on a history, ones that are there. */
export interface Fixture {
  userId: string;
  agentId: string;
  workspaceId: string;
  projectId: string;
  /** A task with runs, feed and notifications, and a run of `agentId` on it. */
  taskId: string;
  runId: string;
  notificationId: string;
  /** Two uploads in `workspaceId`, the first named by `taskId`'s images. */
  uploadIds: [string, string];
  now: number;
}

/** Where a statement runs: how often, and whether it holds the writer. */
export type Path = "agent" | "live" | "owner" | "write" | "reaper" | "delete" | "rare";

export interface HotCall {
  name: string;
  path: Path;
  /** Writes run inside a transaction (rolled back by the bench). */
  write: boolean;
  call: (sql: Sql, f: Fixture) => Promise<unknown>;
}

const read = (name: string, path: Path, call: (sql: Reader, f: Fixture) => Promise<unknown>): HotCall => ({ name, path, write: false, call });
const write = (name: string, path: Path, call: (sql: Sql, f: Fixture) => Promise<unknown>): HotCall => ({ name, path, write: true, call });

const scopes = (f: Fixture): [string, TaskScope][] => [
  ["task", { taskId: f.taskId }], ["project", { projectId: f.projectId }], ["workspace", { workspaceId: f.workspaceId }],
  ["batch", { taskIds: [f.taskId, "task_x", "task_y"] }],
];
const scoped = (name: string, path: Path, isWrite: boolean, call: (sql: Sql, scope: TaskScope) => Promise<unknown>): HotCall[] =>
  ["task", "project", "workspace", "batch"].map((kind) => ({
    name: `${name} (${kind})`, path, write: isWrite,
    call: (sql: Sql, f: Fixture) => call(sql, scopes(f).find(([k]) => k === kind)![1]),
  }));

const activityRow = (f: Fixture, id: string, runId: string | null): ActivityRow => ({
  id, task_id: f.taskId, run_id: runId, type: "comment", subject: null, author_id: f.userId, body: "b", from_status: null, to_status: null, created_at: f.now,
});

export const HOT_CALLS: HotCall[] = [
  // Who is calling: every owner and agent API call, every live query's re-run.
  read("findUserByTokenHash", "owner", (sql, f) => findUserByTokenHash(sql, "h", f.now)),
  read("findAgentByTokenHash", "agent", (sql) => findAgentByTokenHash(sql, "h")),
  read("findSession", "live", (sql, f) => findSession(sql, "h", f.now)),
  read("findUser", "write", (sql, f) => findUser(sql, f.userId)),
  // A person's personal access tokens; a token's use, written at most once a minute per token.
  read("listApiTokens", "owner", (sql, f) => listApiTokens(sql, f.userId)),
  read("countApiTokens", "rare", (sql, f) => countApiTokens(sql, f.userId)),
  write("deleteApiToken", "rare", (sql, f) => deleteApiToken(sql, f.userId, "tok_1")),
  write("touchApiToken", "owner", (sql, f) => touchApiToken(sql, "tok_1", f.now)),

  // Webhooks: the person's, and the dispatcher's queue (each hub polls dueWebhooks every second).
  read("listWebhooks", "owner", (sql, f) => listWebhooks(sql, f.userId)),
  read("findWebhook", "owner", (sql, f) => findWebhook(sql, f.userId, "whk_1")),
  read("countWebhooks", "rare", (sql, f) => countWebhooks(sql, f.userId)),
  write("insertWebhook", "rare", (sql, f) => insertWebhook(sql, {
    id: "whk_1", user_id: f.userId, url: "https://example.com/", secret: "s".repeat(16), description: "", created_at: f.now, cursor: f.notificationId,
  })),
  write("deleteWebhook", "rare", (sql, f) => deleteWebhook(sql, f.userId, "whk_1")),
  read("dueWebhooks", "reaper", (sql, f) => dueWebhooks(sql, f.now, f.now, 32)),
  read("notificationAfter", "reaper", (sql, f) => notificationAfter(sql, f.userId, f.notificationId, f.now)),
  write("claimWebhook", "reaper", (sql, f) => claimWebhook(sql, "whk_1", "hub_1", f.now, 60_000)),
  write("recordDelivered", "reaper", (sql, f) => recordDelivered(sql, "whk_1", "hub_1", f.notificationId, { at: f.now, status: 200, error: null }, f.now)),
  read("failuresOf", "reaper", (sql) => failuresOf(sql as Sql, "whk_1", "hub_1")),
  write("recordFailed", "reaper", (sql, f) => recordFailed(sql, "whk_1", "hub_1", { at: f.now, status: 500, error: "HTTP 500" }, 1, f.now, f.now + 1000, false)),
  write("releaseWebhook", "reaper", (sql, f) => releaseWebhook(sql, "whk_1", "hub_1", f.notificationId)),
  write("enableWebhook", "rare", (sql, f) => enableWebhook(sql, f.userId, "whk_1", f.notificationId)),
  read("findIdempotencyKey", "write", (sql) => findIdempotencyKey(sql, "agent:a", "k")),
  // Agents.
  read("findAgent", "write", (sql, f) => findAgent(sql, f.agentId)),
  read("listAgentsOf", "live", (sql, f) => listAgentsOf(sql, f.userId)),
  read("agentNamesOf", "rare", (sql, f) => agentNamesOf(sql, f.userId)),
  // Workspaces and projects.
  read("listWorkspacesOf", "live", (sql, f) => listWorkspacesOf(sql, f.userId)),
  read("isMember", "write", (sql, f) => isMember(sql, f.workspaceId, f.userId)),
  read("findWorkspace", "live", (sql, f) => findWorkspace(sql, f.workspaceId)),
  read("listMembers", "live", (sql, f) => listMembers(sql, f.workspaceId)),
  read("listProjects", "live", (sql, f) => listProjects(sql, f.workspaceId)),
  read("findProject", "live", (sql, f) => findProject(sql, f.projectId)),
  read("listOpenInvites", "owner", (sql, f) => listOpenInvites(sql, f.workspaceId, f.now)),
  // Tasks.
  read("findTaskRow", "write", (sql, f) => findTaskRow(sql, f.taskId)),
  read("findTaskRowForMember", "write", (sql, f) => findTaskRowForMember(sql, f.taskId, f.userId)),
  read("findTask", "live", (sql, f) => findTask(sql, f.taskId)),
  ...scoped("listTaskIdsIn", "delete", false, listTaskIdsIn),
  read("listTasksForUser", "owner", (sql, f) => listTasksForUser(sql, { userId: f.userId, limit: 50 })),
  read("listTasksForUser before", "owner", (sql, f) => listTasksForUser(sql, { userId: f.userId, before: f.taskId, limit: 50 })),
  read("listTasksForUser workspaceId", "owner", (sql, f) => listTasksForUser(sql, { userId: f.userId, workspaceId: f.workspaceId, limit: 50 })),
  read("listTasksForUser projectId", "owner", (sql, f) => listTasksForUser(sql, { userId: f.userId, projectId: f.projectId, limit: 50 })),
  read("listTasksForUser status", "owner", (sql, f) => listTasksForUser(sql, { userId: f.userId, status: "doing", limit: 50 })),
  read("listTasksForUser projectId status before", "owner", (sql, f) =>
    listTasksForUser(sql, { userId: f.userId, projectId: f.projectId, status: "done", before: f.taskId, limit: 50 })),
  read("listTasksForAgent", "agent", (sql, f) => listTasksForAgent(sql, { agentId: f.agentId, creatorId: f.userId, includeCompleted: false, limit: 50 })),
  read("listTasksForAgent includeCompleted", "agent", (sql, f) => listTasksForAgent(sql, { agentId: f.agentId, creatorId: f.userId, includeCompleted: true, limit: 50 })),
  read("listTasksForAgent status=done", "agent", (sql, f) => listTasksForAgent(sql, { agentId: f.agentId, creatorId: f.userId, includeCompleted: true, status: "done", limit: 50 })),
  read("listTasksForAgent projectId dueBefore", "agent", (sql, f) =>
    listTasksForAgent(sql, { agentId: f.agentId, creatorId: f.userId, includeCompleted: false, projectId: f.projectId, dueBefore: f.now, limit: 50 })),
  // The board.
  read("listBoardColumn todo", "live", (sql, f) => listBoardColumn(sql, { projectId: f.projectId }, "todo", 100)),
  read("listBoardColumn done", "live", (sql, f) => listBoardColumn(sql, { projectId: f.projectId }, "done", 100)),
  read("countTasksByStatus", "live", (sql, f) => countTasksByStatus(sql, { projectId: f.projectId })),
  // Runs.
  read("findRun", "agent", (sql, f) => findRun(sql, f.runId)),
  read("findRunForItsAgent", "agent", (sql, f) => findRunForItsAgent(sql, f.runId)),
  read("findRunForMember", "owner", (sql, f) => findRunForMember(sql, f.runId, f.userId)),
  read("findRunEnding", "agent", (sql, f) => findRunEnding(sql, f.runId)),
  read("findRunStarting", "agent", (sql, f) => findRunStarting(sql, f.runId)),
  read("listActiveRunsOfAgent", "rare", (sql, f) => listActiveRunsOfAgent(sql, f.agentId)),
  read("listActiveRunsOfCreatorIn", "rare", (sql, f) => listActiveRunsOfCreatorIn(sql, f.userId, f.workspaceId)),
  ...scoped("listActiveRunsIn", "delete", false, listActiveRunsIn),
  ...scoped("peopleWithRunsIn", "delete", false, peopleWithRunsIn),
  read("listRunsForAgent", "agent", (sql, f) => listRunsForAgent(sql, { agentId: f.agentId, limit: 50 })),
  ...(["PENDING", "RUNNING", "FINISHED", "ERROR", "STOPPED"] as const).map((status) =>
    read(`listRunsForAgent ${status}`, status === "PENDING" ? "live" : "agent", (sql, f) => listRunsForAgent(sql, { agentId: f.agentId, status, limit: 50 }))),
  read("listRunsForAgent workspaceId", "agent", (sql, f) => listRunsForAgent(sql, { agentId: f.agentId, workspaceId: f.workspaceId, limit: 50 })),
  read("listRunsForAgent PENDING workspaceId", "agent", (sql, f) =>
    listRunsForAgent(sql, { agentId: f.agentId, status: "PENDING", workspaceId: f.workspaceId, limit: 50 })),
  read("listStoppedRunsForAgent", "live", (sql, f) => listStoppedRunsForAgent(sql, f.agentId, f.now - 86_400_000, 1000)),
  read("listRunsOfTask", "live", (sql, f) => listRunsOfTask(sql, f.taskId)),
  read("listRunsOfAgentForUser", "live", (sql, f) => listRunsOfAgentForUser(sql, f.agentId, 20)),
  read("listRunsOfAgentForUser before", "owner", (sql, f) => listRunsOfAgentForUser(sql, f.agentId, 20, f.runId)),
  // A person's runs (GET /runs, owner:runs): all, one or more statuses, one agent's or workspace's, the next page.
  read("listRunsForOwner", "live", (sql, f) => listRunsForOwner(sql, { userId: f.userId, limit: 50 })),
  read("listRunsForOwner active", "live", (sql, f) => listRunsForOwner(sql, { userId: f.userId, statuses: ["PENDING", "RUNNING"], limit: 50 })),
  read("listRunsForOwner ERROR agentId", "live", (sql, f) => listRunsForOwner(sql, { userId: f.userId, statuses: ["ERROR"], agentId: f.agentId, limit: 50 })),
  read("listRunsForOwner FINISHED agentId before", "owner", (sql, f) =>
    listRunsForOwner(sql, { userId: f.userId, statuses: ["FINISHED"], agentId: f.agentId, before: f.runId, limit: 50 })),
  read("listRunsForOwner STOPPED agentId before", "owner", (sql, f) =>
    listRunsForOwner(sql, { userId: f.userId, statuses: ["STOPPED"], agentId: f.agentId, before: f.runId, limit: 50 })),
  read("listRunsForOwner agentId", "live", (sql, f) => listRunsForOwner(sql, { userId: f.userId, agentId: f.agentId, limit: 50 })),
  read("listRunsForOwner workspaceId before", "owner", (sql, f) =>
    listRunsForOwner(sql, { userId: f.userId, workspaceId: f.workspaceId, before: f.runId, limit: 50 })),
  read("listRunsForOwner FINISHED workspaceId before", "owner", (sql, f) =>
    listRunsForOwner(sql, { userId: f.userId, statuses: ["FINISHED"], workspaceId: f.workspaceId, before: f.runId, limit: 50 })),
  read("failureReasons", "live", (sql, f) => failureReasons(sql, [f.runId])),
  read("failureReasons page", "live", (sql, f) => failureReasons(sql, [f.runId, "run_x", "run_y"])),
  read("countRunsForOwner agentId", "live", (sql, f) => countRunsForOwner(sql, { userId: f.userId, agentId: f.agentId })),
  read("countRunsForOwner", "live", (sql, f) => countRunsForOwner(sql, { userId: f.userId })),
  read("countRunsForOwner agentId workspaceId", "live", (sql, f) => countRunsForOwner(sql, { userId: f.userId, agentId: f.agentId, workspaceId: f.workspaceId })),
  read("listStaleRuns", "reaper", (sql, f) => listStaleRuns(sql, f.now - 600_000, 500)),
  // Feeds and notifications.
  read("listActivity", "agent", (sql, f) => listActivity(sql, f.taskId)),
  read("listNewestActivity", "live", (sql, f) => listNewestActivity(sql, f.taskId, 100)),
  read("countActivity", "live", (sql, f) => countActivity(sql, f.taskId)),
  read("listNotifications", "live", (sql, f) => listNotifications(sql, f.userId, { unreadOnly: false, limit: 50 })),
  read("listNotifications unread", "owner", (sql, f) => listNotifications(sql, f.userId, { unreadOnly: true, limit: 50 })),
  read("listNotifications before", "owner", (sql, f) => listNotifications(sql, f.userId, { unreadOnly: false, before: f.notificationId, limit: 50 })),
  read("listNotifications unread before", "owner", (sql, f) => listNotifications(sql, f.userId, { unreadOnly: true, before: f.notificationId, limit: 50 })),
  read("countUnread", "live", (sql, f) => countUnread(sql, f.userId)),

  // Writes: each holds SQLite's one writer while it runs.
  write("handOverTasks", "rare", (sql, f) => handOverTasks(sql, f.workspaceId, f.userId, "usr_2", f.now)),
  write("insertUser", "rare", (sql, f) => insertUser(sql, { id: "usr_new", name: "N", kind: "user", created_at: f.now })),
  write("insertOwnerToken", "rare", (sql, f) =>
    insertOwnerToken(sql, { id: "tok_new", user_id: f.userId, token_hash: "h_new", kind: "session", created_at: f.now, expires_at: f.now })),
  write("takeLoginCode", "rare", (sql, f) => takeLoginCode(sql, "h", f.now)),
  write("deleteSession", "rare", (sql) => deleteSession(sql, "h")),
  write("deleteExpiredSessions", "rare", (sql, f) => deleteExpiredSessions(sql, f.now)),
  write("insertAgent", "rare", (sql, f) =>
    insertAgent(sql, { id: "agt_new", user_id: f.userId, creator_id: f.userId, name: "A", description: "", token_hash: null, created_at: f.now, deleted_at: null })),
  write("setAgentTokenHash", "rare", (sql, f) => setAgentTokenHash(sql, f.agentId, "h2")),
  write("markAgentDeleted", "rare", (sql, f) => markAgentDeleted(sql, f.agentId, f.now)),
  write("insertWorkspace", "rare", (sql, f) => insertWorkspace(sql, { id: "ws_new", name: "W", created_by: f.userId, created_at: f.now })),
  write("addMember", "rare", (sql, f) => addMember(sql, f.workspaceId, f.userId, f.now)),
  write("removeMember", "rare", (sql, f) => removeMember(sql, f.workspaceId, "usr_other")),
  write("markRemoved", "rare", (sql, f) => markRemoved(sql, f.workspaceId, "usr_other", f.userId, f.now)),
  read("wasRemoved", "rare", (sql, f) => wasRemoved(sql, f.workspaceId, f.userId)),
  write("clearRemoval", "rare", (sql, f) => clearRemoval(sql, f.workspaceId, f.userId)),
  write("updateWorkspace", "rare", (sql, f) => updateWorkspace(sql, f.workspaceId, { name: "W2" })),
  write("insertProject", "rare", (sql, f) => insertProject(sql, { id: "prj_new", workspace_id: f.workspaceId, name: "P", description: "", created_at: f.now })),
  write("updateProject", "rare", (sql, f) => updateProject(sql, f.projectId, { name: "P2" })),
  write("insertInvite", "rare", (sql, f) =>
    insertInvite(sql, { id: "tok_inv", workspace_id: f.workspaceId, code_hash: "c", created_by: f.userId, created_at: f.now, expires_at: f.now })),
  read("findInvite", "rare", (sql, f) => findInvite(sql, "c", f.now)),
  write("takeInvite", "rare", (sql, f) => takeInvite(sql, "c", f.now)),
  write("deleteExpiredInvites", "rare", (sql, f) => deleteExpiredInvites(sql, f.now)),
  write("deleteInvite", "rare", (sql, f) => deleteInvite(sql, f.workspaceId, "tok_inv")),
  write("deleteInvitesBy", "rare", (sql, f) => deleteInvitesBy(sql, f.workspaceId, f.userId)),
  write("insertIdempotencyKey", "write", (sql, f) =>
    insertIdempotencyKey(sql, { scope: "agent:a", key: "k", request_hash: "r", status_code: 200, response_body: "{}", created_at: f.now })),
  write("deleteIdempotencyKeysBefore", "reaper", (sql, f) => deleteIdempotencyKeysBefore(sql, f.now - 86_400_000)),
  write("insertTask", "write", (sql, f) => insertTask(sql, {
    id: "task_new", workspace_id: f.workspaceId, project_id: f.projectId, title: "T", description: "", status: "todo", due_date: null, images: "[]",
    creator_id: f.userId, owner_id: f.userId, created_at: f.now, updated_at: f.now,
  })),
  write("updateTask", "write", (sql, f) => updateTask(sql, f.taskId, { title: "T2", status: "doing" }, f.now)),
  // The fixture's task is done: moved out of done, its runs' flag changes too (trigger tasks_done).
  write("updateTask todo", "write", (sql, f) => updateTask(sql, f.taskId, { status: "todo" }, f.now)),
  write("markTaskDoing", "write", (sql, f) => markTaskDoing(sql, f.taskId, "todo", f.now)),
  write("setTaskCostTotal", "write", (sql, f) => setTaskCostTotal(sql, f.taskId, 1)),
  write("insertRun", "write", (sql, f) => insertRun(sql, {
    id: "run_new", task_id: f.taskId, agent_id: f.agentId, owner_id: f.userId, status: "PENDING", prompt: "p", last_follow_up_message: null,
    follows_run_id: null, created_at: f.now, started_at: null, ended_at: null, heartbeat_at: null, step_cost_usd: null, total_cost_usd: null,
  })),
  write("transitionRun start", "write", (sql, f) => transitionRun(sql, f.runId, "PENDING", "RUNNING", f.now, { started: true })),
  write("transitionRun complete", "write", (sql, f) =>
    transitionRun(sql, f.runId, "RUNNING", "FINISHED", f.now, { ended: true, stepCostUsd: 1, totalCostUsd: 1 })),
  write("transitionRun reap", "reaper", (sql, f) => transitionRun(sql, f.runId, "RUNNING", "ERROR", f.now, { ended: true, staleBefore: f.now })),
  write("touchRun", "write", (sql, f) => touchRun(sql, f.runId, f.now)),
  write("touchAgentRun", "write", (sql, f) => touchAgentRun(sql, f.runId, f.agentId, f.now)),
  write("insertActivity", "write", (sql, f) => insertActivity(sql, activityRow(f, "act_new1", f.runId))),
  write("insertActivityPair", "write", (sql, f) => insertActivityPair(sql, activityRow(f, "act_new2", null), activityRow(f, "act_new3", null))),
  // A handover's entry on each task of a person leaving a workspace.
  write("insertActivities", "rare", (sql, f) => insertActivities(sql, [activityRow(f, "act_new4", null), activityRow(f, "act_new5", null)])),
  write("insertNotification", "write", (sql, f) => insertNotification(sql, {
    id: "ntf_new", user_id: f.userId, type: "run_comment", task_id: f.taskId, run_id: f.runId, actor_id: f.userId, workspace_id: null, body: "b", created_at: f.now, read_at: null,
  })),
  write("markRead upTo", "write", (sql, f) => markRead(sql, f.userId, { upTo: f.notificationId }, f.now)),
  write("markRead ids", "write", (sql, f) => markRead(sql, f.userId, { ids: [f.notificationId, "ntf_x"] }, f.now)),
  ...scoped("deleteTasks", "delete", true, deleteTasks),
  write("markProjectDeleted", "delete", (sql, f) => markProjectDeleted(sql, f.projectId, f.now)),
  write("markWorkspaceDeleted", "delete", (sql, f) => markWorkspaceDeleted(sql, f.workspaceId, f.now)),
  write("deleteWorkspaceNotifications", "delete", (sql, f) => deleteWorkspaceNotifications(sql, f.workspaceId)),
  write("deleteNotificationsIn", "rare", (sql, f) => deleteNotificationsIn(sql, f.userId, f.workspaceId)),
  // The purger's: its idle look (on a timer), then each batch.
  read("anythingToPurge", "reaper", (sql) => anythingToPurge(sql)),
  read("nextDeletedProject", "delete", (sql) => nextDeletedProject(sql)),
  write("claimTasksOf", "delete", (sql, f) => claimTasksOf(sql, f.projectId, 200)),
  write("deleteEmptyProject", "delete", (sql, f) => deleteEmptyProject(sql, f.projectId)),
  write("deleteUploadsOfDeletedWorkspaces", "delete", (sql) => deleteUploadsOfDeletedWorkspaces(sql, 20)),
  write("deleteEmptyWorkspaces", "delete", (sql) => deleteEmptyWorkspaces(sql)),
  // Uploaded images: one stored now and then, each served at every view of a task that shows it.
  write("insertUpload", "rare", (sql, f) => insertUpload(sql, {
    id: "upl_new", workspace_id: f.workspaceId, key_hash: "h", content_type: "image/png", name: null, bytes: 1, data: new Uint8Array([1]),
    created_by: f.userId, created_at: f.now, unreferenced_since: f.now,
  })),
  read("findServedUpload", "owner", (sql, f) => findServedUpload(sql, f.uploadIds[0])),
  // Their quota: counted in each upload's write, given back as the purger removes them; read by GET /workspaces/:id/storage.
  write("takeUploadBytes", "rare", (sql, f) => takeUploadBytes(sql, f.workspaceId, 1, 1024)),
  write("giveUploadBytes", "delete", (sql, f) => giveUploadBytes(sql, f.workspaceId, 1)),
  read("uploadBytesOf", "owner", (sql, f) => uploadBytesOf(sql, f.workspaceId)),
  // Which tasks name which uploads: kept by every write of a task's images, description or feed that names one.
  write("lockUploads", "write", (sql, f) => lockUploads(sql, f.uploadIds)),
  read("uploadsNamedBy", "write", (sql, f) => uploadsNamedBy(sql, f.taskId, "images")),
  ...scoped("uploadsNamedIn", "delete", false, uploadsNamedIn),
  write("addTaskUploads", "write", (sql, f) => addTaskUploads(sql, f.taskId, "feed", f.uploadIds)),
  write("removeTaskUploads", "write", (sql, f) => removeTaskUploads(sql, f.taskId, "images", f.uploadIds)),
  ...scoped("removeTaskUploadsIn", "delete", true, removeTaskUploadsIn),
  write("markReferenced", "write", (sql, f) => markReferenced(sql, f.uploadIds)),
  write("markUnreferenced", "write", (sql, f) => markUnreferenced(sql, f.uploadIds, f.now)),
  // The purger's removal of uploads no task names: its idle look, then each batch.
  read("anyUploadUnreferencedSince", "reaper", (sql, f) => anyUploadUnreferencedSince(sql, f.now)),
  write("claimUnreferencedUploads", "delete", (sql, f) => claimUnreferencedUploads(sql, f.now, 20)),
  write("deleteUnreferencedUploads", "delete", (sql, f) => deleteUnreferencedUploads(sql, f.uploadIds)),
];

export interface Recorded {
  call: string;
  path: Path;
  sql: string;
  params: readonly SqlValue[];
}

/** A port that passes every statement to `sql` and records it (`lock` included: PostgreSQL's is a statement too). */
export function recording(sql: Sql, call: HotCall, into: Recorded[]): Sql {
  const note = (text: string, params: readonly SqlValue[] = []) => void into.push({ call: call.name, path: call.path, sql: text, params });
  return {
    all: (text, params) => (note(text, params), sql.all(text, params)),
    get: (text, params) => (note(text, params), sql.get(text, params)),
    run: (text, params) => (note(text, params), sql.run(text, params)),
    lock: (table, id) => sql.lock(table, id),
    dialect: sql.dialect,
  };
}
