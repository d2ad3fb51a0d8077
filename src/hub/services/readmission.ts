/**
 * Letting a person back into a workspace its creator removed them from: only its creator, whoever that is now (a
 * workspace handed on takes the say with it), by adding them or by an invite link of their own. Another member's
 * link or add is refused, so a removal is not undone behind the creator's back. Someone who left by themself chose
 * to: any member lets them back. Being let back in, by whichever way, clears the mark.
 */
import type { Reader } from "../db/port.ts";
import { forbidden } from "../errors.ts";
import { clearRemoval, wasRemoved } from "../store/removals.ts";
import { findUser } from "../store/users.ts";
import { addMember, type WorkspaceRow } from "../store/workspaces.ts";
import type { Write } from "../write.ts";

/** How the refusal reads to whom it goes: the person at the door, or the member adding them. */
export type Refusal = (workspace: WorkspaceRow, creatorName: string) => string;

export const refusedLink: Refusal = (workspace, creator) =>
  `You were removed from ${workspace.name} by its creator: only the workspace's creator (${creator}) can let you back in. Ask them to add you, or for an invite link of theirs.`;

export const refusedAdd = (name: string): Refusal => (workspace, creator) =>
  `${name} was removed from ${workspace.name} by its creator: only the workspace's creator (${creator}) can let them back in. Ask them to.`;

/**
 * Refuses (403) letting `userId` in on `by`'s say (who adds them, or whose invite link they opened) when the
 * workspace's creator removed them and `by` is not its creator now. Read under the workspace's lock, so a removal
 * or handover at the same time (PostgreSQL) is seen or waits.
 */
export async function checkReadmission(sql: Reader, workspace: WorkspaceRow, userId: string, by: string, refusal: Refusal): Promise<void> {
  if (by === workspace.created_by || !(await wasRemoved(sql, workspace.id, userId))) return;
  const creator = await findUser(sql, workspace.created_by);
  throw forbidden(refusal(workspace, creator?.name ?? "unknown"));
}

/** Makes them a member (again), the mark of an earlier removal gone. */
export async function admit(w: Write, workspaceId: string, userId: string): Promise<void> {
  await addMember(w.sql, workspaceId, userId, w.now);
  await clearRemoval(w.sql, workspaceId, userId);
  w.changes.workspaces.add(workspaceId);
  w.changes.users.add(userId);
}
