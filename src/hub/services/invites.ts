/**
 * Letting people in from the web UI: a member of a workspace makes a one-time
 * invite link (gci_, 7 days); whoever opens it joins that workspace, as a new
 * person named on the spot or as the one they are signed in as, and is signed in.
 */
import { newId } from "../domain/ids.ts";
import { hasPrefix, hashToken, newToken } from "../domain/tokens.ts";
import { conflict, notFound, unauthorized } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { countOpenInvites, deleteExpiredInvites, deleteInvite, findInvite, insertInvite, takeInvite, type InviteRow } from "../store/invites.ts";
import { insertUser } from "../store/users.ts";
import { findWorkspace, isMember } from "../store/workspaces.ts";
import type { Write } from "../write.ts";
import { userWorkspace, userWorkspaceToWrite } from "./access.ts";
import { admit, checkReadmission, refusedLink } from "./readmission.ts";
import { openSession, type Session } from "./sessions.ts";
import { requiredText } from "./required-text.ts";

export const INVITE_TTL_MS = 7 * 24 * 3_600_000;
const INVALID = "Invalid or expired invite";

export interface NewInvite {
  code: string;
  /** The web UI's page that joins with it. */
  url: string;
  expiresAt: number;
  workspaceName: string;
}

/** Open invites a workspace may have at once: the list shows them all, and any member may make them. */
export const MAX_OPEN_INVITES = 50;

export async function createInvite(w: Write, user: UserPrincipal, workspaceId: string): Promise<NewInvite> {
  // Counted below: two made at the same time (PostgreSQL) take turns on the workspace's row.
  await w.sql.lock("workspaces", workspaceId);
  await userWorkspaceToWrite(w.sql, user, workspaceId);
  await deleteExpiredInvites(w.sql, w.now);
  if ((await countOpenInvites(w.sql, workspaceId, w.now)) >= MAX_OPEN_INVITES) {
    throw conflict(`This workspace has ${MAX_OPEN_INVITES} open invites, the most it may have: take one back (or let one be used) first`);
  }
  const code = newToken("invite");
  const expiresAt = w.now + INVITE_TTL_MS;
  await insertInvite(w.sql, { id: newId("tok", w.now), workspace_id: workspaceId, code_hash: hashToken(code), created_by: user.userId, created_at: w.now, expires_at: expiresAt });
  return { code, url: `/join#code=${code}`, expiresAt, workspaceName: (await findWorkspace(w.sql, workspaceId))!.name };
}

export const toInviteView = (row: InviteRow & { created_by_name: string }) => ({
  id: row.id, createdBy: { id: row.created_by, name: row.created_by_name }, createdAt: row.created_at, expiresAt: row.expires_at,
});

/** Takes back an invite not used yet: its link stops working at once. Any member may, as any member may make one. */
export async function revokeInvite(w: Write, user: UserPrincipal, workspaceId: string, inviteId: string): Promise<void> {
  await userWorkspace(w.sql, user, workspaceId);
  if (!(await deleteInvite(w.sql, workspaceId, inviteId))) throw notFound("Invite");
}

/** Who joins: the person signed in (their session), or a new person by this name. */
export type Joiner = { signedIn: Session } | { name: string };

/**
 * A bad, used or expired invite is one answer: 401. A new person is signed in
 * with a new session (`opened`); someone signed in keeps theirs, and leaves the
 * invite unused when they are in its workspace already, or when its creator
 * removed them and the link is not the creator's (403, services/readmission.ts).
 */
export async function joinWithInvite(
  w: Write,
  code: string,
  joiner: Joiner,
): Promise<{ workspaceId: string; session: Session; opened: { token: string } | null }> {
  if (!("signedIn" in joiner)) requiredText(joiner.name, "name");
  if (!hasPrefix(code, "invite")) throw unauthorized(INVALID);
  const open = await findInvite(w.sql, hashToken(code), w.now);
  if (!open) throw unauthorized(INVALID);
  const workspaceId = open.workspace_id;
  // Held before the invite is read again and taken: a deletion, handover or removal at the same time (PostgreSQL)
  // commits first and is seen below, or waits for this join. The workspace before the invite's row, as a removal does.
  await w.sql.lock("workspace_contents", workspaceId);
  const workspace = await findWorkspace(w.sql, workspaceId);
  // Deleted at the same moment, it took its invites: this one is used up either way.
  if (!workspace) throw unauthorized(INVALID);
  if ("signedIn" in joiner) {
    const { userId } = joiner.signedIn;
    // Someone in the workspace already (its inviter checking the link, say) has nothing to join: the invite stays for whom it was made.
    if (await isMember(w.sql, workspaceId, userId)) return { workspaceId, session: joiner.signedIn, opened: null };
    // Refused before it is taken: the link stays for whom it was made.
    await checkReadmission(w.sql, workspace, userId, open.created_by, refusedLink);
  }
  if (!(await takeInvite(w.sql, hashToken(code), w.now))) throw unauthorized(INVALID);
  const userId = "signedIn" in joiner ? joiner.signedIn.userId : newId("usr", w.now);
  if (!("signedIn" in joiner)) await insertUser(w.sql, { id: userId, name: joiner.name.trim(), kind: "user", created_at: w.now });
  await admit(w, workspaceId, userId);
  if ("signedIn" in joiner) return { workspaceId, session: joiner.signedIn, opened: null };
  const { token, session } = await openSession(w, userId);
  return { workspaceId, session, opened: { token } };
}
