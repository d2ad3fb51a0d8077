import type { Reader } from "../db/port.ts";
import { newId } from "../domain/ids.ts";
import { badRequest, conflict, forbidden, notFound } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { findUser } from "../store/users.ts";
import {
  addMember, findWorkspace, insertProject, insertWorkspace, isMember, listMembers, removeMember, type ProjectRow, type WorkspaceRow,
} from "../store/workspaces.ts";
import type { Write } from "../write.ts";
import { userWorkspace } from "./access.ts";
import { stopRunsOfLeavingMember } from "./runs.ts";

export const toWorkspaceView = (w: WorkspaceRow) => ({ id: w.id, name: w.name, createdBy: w.created_by, createdAt: w.created_at });
export const toProjectView = (p: ProjectRow) => ({
  id: p.id, workspaceId: p.workspace_id, name: p.name, description: p.description, createdAt: p.created_at,
});

export async function createWorkspace(w: Write, user: UserPrincipal, name: string) {
  if (!name.trim()) throw badRequest("name must be a non-empty string");
  const row: WorkspaceRow = { id: newId("ws", w.now), name: name.trim(), created_by: user.userId, created_at: w.now };
  await insertWorkspace(w.sql, row);
  await addMember(w.sql, row.id, user.userId, w.now);
  w.changes.workspaces.add(row.id);
  // The creator's own list of workspaces (owner:me) depends on user:<id>.
  w.changes.users.add(user.userId);
  return toWorkspaceView(row);
}

export async function addWorkspaceMember(w: Write, user: UserPrincipal, workspaceId: string, userId: string) {
  await userWorkspace(w.sql, user, workspaceId);
  const member = await findUser(w.sql, userId);
  if (!member || member.kind !== "user") throw notFound("User");
  await addMember(w.sql, workspaceId, userId, w.now);
  w.changes.workspaces.add(workspaceId);
  w.changes.users.add(userId);
  return { workspaceId, userId };
}

/** A workspace's people, in the order they joined, for one of them (404 for anyone else). */
export async function workspaceMembers(sql: Reader, user: UserPrincipal, workspaceId: string) {
  await userWorkspace(sql, user, workspaceId);
  const workspace = (await findWorkspace(sql, workspaceId))!;
  return (await listMembers(sql, workspaceId)).map((m) => ({
    id: m.id, name: m.name, joinedAt: m.joined_at, isCreator: m.id === workspace.created_by,
  }));
}

/**
 * Takes a person out of a workspace: its creator may remove anyone else, and
 * anyone may leave, except the creator. The runs their agents had going on its
 * tasks are stopped; the tasks stay.
 */
export async function removeWorkspaceMember(w: Write, user: UserPrincipal, workspaceId: string, memberId: string) {
  await userWorkspace(w.sql, user, workspaceId);
  const workspace = (await findWorkspace(w.sql, workspaceId))!;
  if (memberId === workspace.created_by) throw conflict("The workspace's creator cannot leave it");
  if (memberId !== user.userId && user.userId !== workspace.created_by) throw forbidden("Only the workspace's creator can remove someone else");
  const member = await findUser(w.sql, memberId);
  if (!member || !(await isMember(w.sql, workspaceId, memberId))) throw notFound("Member");
  await stopRunsOfLeavingMember(w, user, memberId, workspaceId, member.name);
  await removeMember(w.sql, workspaceId, memberId);
  w.changes.workspaces.add(workspaceId);
  w.changes.users.add(memberId);
}

export async function createProject(w: Write, user: UserPrincipal, workspaceId: string, input: { name: string; description?: string | undefined }) {
  await userWorkspace(w.sql, user, workspaceId);
  if (!input.name.trim()) throw badRequest("name must be a non-empty string");
  const row: ProjectRow = {
    id: newId("prj", w.now), workspace_id: workspaceId, name: input.name.trim(),
    description: (input.description ?? "").trim(), created_at: w.now,
  };
  await insertProject(w.sql, row);
  w.changes.workspaces.add(workspaceId);
  return toProjectView(row);
}
