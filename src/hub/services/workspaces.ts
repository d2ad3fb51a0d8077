import type { Reader } from "../db/port.ts";
import { newId } from "../domain/ids.ts";
import { badRequest, conflict, forbidden, notFound } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { deleteInvitesBy } from "../store/invites.ts";
import { deleteNotificationsIn, deleteWorkspaceNotifications } from "../store/notifications.ts";
import { handOverTasks, holdTasksOwnedBy } from "../store/tasks.ts";
import { clearRemoval, markRemoved } from "../store/removals.ts";
import { findUser } from "../store/users.ts";
import {
  addMember, findWorkspace, insertProject, insertWorkspace, isMember, listMembers, markProjectDeleted, markWorkspaceDeleted,
  removeMember, updateProject, updateWorkspace, type ProjectRow, type WorkspaceRow,
} from "../store/workspaces.ts";
import type { Write } from "../write.ts";
import { userProject, userWorkspace, userWorkspaceToWrite } from "./access.ts";
import { addOwnerChanges } from "./activity.ts";
import { notify } from "./notify.ts";
import { admit, checkReadmission, refusedAdd } from "./readmission.ts";
import { stopRunsOfLeavingMember } from "./runs.ts";
import { hideTasks } from "./tasks.ts";
import { requiredText } from "./required-text.ts";

export const toWorkspaceView = (w: WorkspaceRow) => ({ id: w.id, name: w.name, createdBy: w.created_by, createdAt: w.created_at });
export const toProjectView = (p: ProjectRow) => ({
  id: p.id, workspaceId: p.workspace_id, name: p.name, description: p.description, createdAt: p.created_at,
});

export async function createWorkspace(w: Write, user: UserPrincipal, name: string) {
  requiredText(name, "name");
  const row: WorkspaceRow = { id: newId("ws", w.now), name: name.trim(), created_by: user.userId, created_at: w.now };
  await insertWorkspace(w.sql, row);
  await addMember(w.sql, row.id, user.userId, w.now);
  w.changes.workspaces.add(row.id);
  // The creator's own list of workspaces (owner:me) depends on user:<id>.
  w.changes.users.add(user.userId);
  return toWorkspaceView(row);
}

/** Adds a person to the workspace: any member may, but one its creator removed only its creator (services/readmission.ts). */
export async function addWorkspaceMember(w: Write, user: UserPrincipal, workspaceId: string, userId: string) {
  await userWorkspaceToWrite(w.sql, user, workspaceId);
  const member = await findUser(w.sql, userId);
  if (!member || member.kind !== "user") throw notFound("User");
  const workspace = (await findWorkspace(w.sql, workspaceId))!;
  await checkReadmission(w.sql, workspace, userId, user.userId, refusedAdd(member.name));
  await admit(w, workspaceId, userId);
  return { workspaceId, userId };
}

/** A workspace's people, in the order they joined, for one of them (404 for anyone else). */
export async function workspaceMembers(sql: Reader, user: UserPrincipal, workspaceId: string) {
  await userWorkspace(sql, user, workspaceId);
  const workspace = await findWorkspace(sql, workspaceId);
  // Deleted between the check and this read: gone, as it would be a moment later.
  if (!workspace) throw notFound("Workspace");
  return (await listMembers(sql, workspaceId)).map((m) => ({
    id: m.id, name: m.name, joinedAt: m.joined_at, isCreator: m.id === workspace.created_by,
  }));
}

/**
 * Takes a person out of a workspace: its creator may remove anyone else, and
 * anyone may leave, except the creator. The runs their agents had going on its
 * tasks are stopped; the tasks stay, those they owned now the workspace's creator's
 * (in this same write: no task is left owned by someone outside), each task's feed
 * saying so; the creator is told once, however many tasks (tasks_handed_over), when
 * the person left by themself. What they were told about it goes, as do the invites they made. One the creator
 * removed may come back only on the creator's say (services/readmission.ts).
 */
export async function removeWorkspaceMember(w: Write, user: UserPrincipal, workspaceId: string, memberId: string) {
  await w.sql.lock("workspaces", workspaceId); // its creator is read next: a handover at the same time goes first or after
  // A run their agent is given meanwhile (PostgreSQL: a delegation, an @mention, a follow-up holds its project) commits
  // first and is stopped here, or waits and then finds them out (404): none is left going where they no longer are.
  await w.sql.lock("workspace_projects", workspaceId);
  await userWorkspace(w.sql, user, workspaceId);
  const workspace = (await findWorkspace(w.sql, workspaceId))!;
  if (memberId === workspace.created_by) throw conflict("The workspace's creator cannot leave it");
  if (memberId !== user.userId && user.userId !== workspace.created_by) throw forbidden("Only the workspace's creator can remove someone else");
  const member = await findUser(w.sql, memberId);
  if (!member || !(await isMember(w.sql, workspaceId, memberId))) throw notFound("Member");
  await holdTasksOwnedBy(w.sql, workspaceId, memberId); // the tasks handed over below, before the runs stopped on them
  await stopRunsOfLeavingMember(w, user, memberId, workspaceId, member.name);
  // An owner change at the same time (PostgreSQL) holds the task's project, which the lock above waits for: this
  // sees the owner it committed, or it waits and then finds them out of the workspace (400).
  await handOverTasksOfLeaving(w, user, workspace, member);
  await removeMember(w.sql, workspaceId, memberId);
  // Removed by its creator, they come back only on the creator's say; having left, on anyone's (services/readmission.ts).
  if (memberId === user.userId) await clearRemoval(w.sql, workspaceId, memberId);
  else await markRemoved(w.sql, workspaceId, memberId, user.userId, w.now);
  // Their links would let them (or whoever they gave them to) back in: an invite made meanwhile (PostgreSQL) waited on the workspace's row.
  await deleteInvitesBy(w.sql, workspaceId, memberId);
  // After the stops above: those notices are about the workspace's tasks too.
  await deleteNotificationsIn(w.sql, memberId, workspaceId);
  w.changes.workspaces.add(workspaceId);
  w.changes.users.add(memberId);
}

/**
 * Gives the tasks a leaving person owns in the workspace to its creator. Each task's feed records the
 * change and why; the creator gets one notification for them all (none when they removed the person
 * themself: no one is told of their own doing), so a person who owned 500 tasks does not bury theirs.
 */
async function handOverTasksOfLeaving(w: Write, user: UserPrincipal, workspace: WorkspaceRow, member: { id: string; name: string }) {
  const creator = (await findUser(w.sql, workspace.created_by))!;
  // Those of a project waiting for the purger change hands unseen: the count and the feeds are of what people see.
  const tasks = (await handOverTasks(w.sql, workspace.id, member.id, creator.id, w.now)).filter((task) => task.shown);
  if (tasks.length === 0) return;
  const why = member.id === user.userId ? `${member.name} left the workspace` : `${user.name} removed ${member.name} from the workspace`;
  await addOwnerChanges(w, tasks.map((task) => task.id), { authorId: user.userId, from: member.name, to: creator.name, why });
  await notify(w, {
    userId: creator.id, type: "tasks_handed_over", taskId: null, runId: null, actorId: user.userId, workspaceId: workspace.id,
    body: `${member.name} left ${workspace.name}: ${tasks.length === 1 ? `their task "${tasks[0]!.title}" is` : `the ${tasks.length} tasks they owned there are`} yours now`,
  });
}

export interface WorkspaceEdit {
  name?: string | undefined;
  /** Hands the workspace to another of its members, who then manages it (and may not leave it). */
  creatorId?: string | undefined;
}

/** The workspace as its creator manages it: a member who did not create it is refused (403), anyone else 404. */
async function managedWorkspace(sql: Reader, user: UserPrincipal, workspaceId: string, what: string): Promise<WorkspaceRow> {
  await userWorkspace(sql, user, workspaceId);
  const workspace = (await findWorkspace(sql, workspaceId))!;
  if (workspace.created_by !== user.userId) throw forbidden(`Only the workspace's creator can ${what}`);
  return workspace;
}

/** Renames the workspace, or hands it to another member. Its creator's to do. */
export async function editWorkspace(w: Write, user: UserPrincipal, workspaceId: string, edit: WorkspaceEdit) {
  // A handover and a removal of the same person at the same time (PostgreSQL): one waits for the other.
  await w.sql.lock("workspaces", workspaceId);
  const workspace = await managedWorkspace(w.sql, user, workspaceId, "change it");
  const patch: { name?: string; created_by?: string } = {};
  if (edit.name !== undefined) {
    requiredText(edit.name, "name");
    patch.name = edit.name.trim();
  }
  if (edit.creatorId !== undefined && edit.creatorId !== workspace.created_by) {
    if (!(await isMember(w.sql, workspaceId, edit.creatorId))) throw badRequest("creatorId must be a member of the workspace");
    patch.created_by = edit.creatorId;
  }
  await updateWorkspace(w.sql, workspaceId, patch);
  // Everyone's owner:me (the name) and owner:members (who created it) depend on workspace:<id>.
  w.changes.workspaces.add(workspaceId);
  return toWorkspaceView({ ...workspace, ...patch });
}

/**
 * Deletes the workspace with its projects, tasks (their feeds, runs and
 * notifications), members and invites. Its creator's to do; refused (409) while
 * a run in it is PENDING or RUNNING, as for a task. One short write marks it and its
 * projects deleted and lets its members and invites go: it is gone from every read
 * at once; the purger removes its tasks in batches afterwards (services/purge.ts).
 */
export async function deleteWorkspace(w: Write, user: UserPrincipal, workspaceId: string): Promise<void> {
  // A project, task, member or run added meanwhile (PostgreSQL) commits first and is seen here, or waits and then fails (404).
  await w.sql.lock("workspaces", workspaceId);
  await w.sql.lock("workspace_projects", workspaceId);
  await managedWorkspace(w.sql, user, workspaceId, "delete it");
  await hideTasks(w, { workspaceId }, "in this workspace");
  await markWorkspaceDeleted(w.sql, workspaceId, w.now);
  // Those about its tasks are left out of every read from now on; these, about it, go now.
  for (const userId of await deleteWorkspaceNotifications(w.sql, workspaceId)) w.changes.users.add(userId);
  w.changes.workspaces.add(workspaceId);
}

export async function createProject(w: Write, user: UserPrincipal, workspaceId: string, input: { name: string; description?: string | undefined }) {
  await userWorkspaceToWrite(w.sql, user, workspaceId);
  requiredText(input.name, "name");
  const row: ProjectRow = {
    id: newId("prj", w.now), workspace_id: workspaceId, name: input.name.trim(),
    description: (input.description ?? "").trim(), created_at: w.now,
  };
  await insertProject(w.sql, row);
  w.changes.workspaces.add(workspaceId);
  return toProjectView(row);
}

/** Renames the project or changes its description: any member of its workspace may. */
export async function editProject(w: Write, user: UserPrincipal, projectId: string, edit: { name?: string | undefined; description?: string | undefined }) {
  // Held before the read (PostgreSQL): an edit at the same time commits first and is read here, so the project this
  // answers is the one now stored; a deletion commits first (404 here) or waits for this edit.
  await w.sql.lock("project_edits", projectId);
  const project = await userProject(w.sql, user, projectId);
  const patch: { name?: string; description?: string } = {};
  if (edit.name !== undefined) {
    requiredText(edit.name, "name");
    patch.name = edit.name.trim();
  }
  if (edit.description !== undefined) patch.description = edit.description.trim();
  await updateProject(w.sql, projectId, patch);
  w.changes.workspaces.add(project.workspace_id);
  return toProjectView({ ...project, ...patch });
}

/**
 * Deletes the project with its tasks (their feeds, runs and notifications). The
 * workspace's creator's to do; refused (409) while a run in it is PENDING or RUNNING.
 * One short write marks it deleted: it and its tasks are gone from every read at once;
 * the purger removes them in batches afterwards (services/purge.ts).
 */
export async function deleteProject(w: Write, user: UserPrincipal, projectId: string): Promise<void> {
  // A task, run or comment added meanwhile (PostgreSQL) commits first and is seen here, or waits and then fails (404).
  await w.sql.lock("projects", projectId);
  const project = await userProject(w.sql, user, projectId);
  await managedWorkspace(w.sql, user, project.workspace_id, "delete its projects");
  await hideTasks(w, { projectId }, "in this project");
  await markProjectDeleted(w.sql, projectId, w.now);
  w.changes.workspaces.add(project.workspace_id);
}
