import { newId } from "../domain/ids.ts";
import { badRequest, notFound } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { findUser } from "../store/users.ts";
import { addMember, insertProject, insertWorkspace, type ProjectRow, type WorkspaceRow } from "../store/workspaces.ts";
import type { Write } from "../write.ts";
import { userWorkspace } from "./access.ts";

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
