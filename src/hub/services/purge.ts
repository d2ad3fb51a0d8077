/**
 * Purging what a deletion marked (a project, a workspace: services/workspaces.ts): one
 * small batch per call, each its own short transaction, so the writes of everyone else
 * go between two batches instead of waiting for the whole of it.
 */
import { claimTasksOf, deleteEmptyProject, deleteEmptyWorkspaces, nextDeletedProject } from "../store/purge.ts";
import { deleteTasks } from "../store/tasks.ts";
import { deleteUploadsOfDeletedWorkspaces } from "../store/uploads.ts";
import type { Write } from "../write.ts";
import { releaseUploads } from "./upload-refs.ts";

export interface Purged {
  /** Tasks removed (with their runs, feeds and notifications). */
  tasks: number;
  /** Project and workspace rows removed, once nothing of theirs was left. */
  projects: number;
  workspaces: number;
  /** Uploaded images of deleted workspaces removed. */
  uploads: number;
  /** Whether this batch made progress, so another may find more (false: nothing left, or only what another hub holds). */
  more: boolean;
}

/** Uploads per batch: up to 10 MiB each, so fewer than tasks. */
export const UPLOADS_PER_BATCH = 20;

/**
 * Removes up to `limit` tasks of a deleted project, or its row once they are gone (and
 * its workspace's, if that was deleted and has no project left). No run there can be
 * going (a deletion is refused while one is), and nothing is added to a deleted project
 * (services/access.ts): a batch holds the whole of what it removes. Once no deleted project
 * is left, the uploads of deleted workspaces go, then the workspaces' rows.
 */
export async function purgeDeleted(w: Write, limit: number): Promise<Purged> {
  const project = await nextDeletedProject(w.sql);
  if (!project) {
    // A deleted workspace's images go in batches of their own before its row (whose cascade would take them all in one).
    const uploads = await deleteUploadsOfDeletedWorkspaces(w.sql, Math.min(limit, UPLOADS_PER_BATCH));
    if (uploads > 0) return { tasks: 0, projects: 0, workspaces: 0, uploads, more: true };
    return { tasks: 0, projects: 0, workspaces: await deleteEmptyWorkspaces(w.sql), uploads: 0, more: false };
  }
  const taskIds = await claimTasksOf(w.sql, project.id, limit);
  if (taskIds.length > 0) {
    // An upload only they named waits out its grace from now, then goes (services/uploads.ts).
    await releaseUploads(w, { taskIds });
    // Their notifications go too, unseen: every read has left them out since the deletion, which told their people.
    await deleteTasks(w.sql, { taskIds });
  }
  // A short batch may have been the last: then the project goes in the same transaction.
  const projects = taskIds.length < limit && (await deleteEmptyProject(w.sql, project.id)) ? 1 : 0;
  const workspaces = projects > 0 ? await deleteEmptyWorkspaces(w.sql) : 0;
  return { tasks: taskIds.length, projects, workspaces, uploads: 0, more: taskIds.length > 0 || projects > 0 };
}
