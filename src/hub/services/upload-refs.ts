/**
 * Which uploads the tasks name, kept in step with every write of a task's texts, so that
 * an upload no task names can be found by an index and removed after a grace period
 * (services/uploads.ts, run by the purger). A task names an upload of its own workspace when
 * its images, its description or its feed (a comment, a run's words, a delegation's prompt:
 * Markdown the UI shows images in) hold the upload's URL with its right key. Another
 * workspace's upload is shown there but not kept by it: it lives and counts in its own
 * workspace, whose people alone can let go of it.
 *
 * Each write that adds or drops a reference first locks the uploads it names (store/
 * task-uploads.ts): two such writes on one upload go one after the other, so whichever
 * drops the last reference sees it is the last, and the purger never takes an upload a
 * write is naming (it skips what is locked; a write that waited on it finds it gone, and
 * names nothing).
 */
import { uploadUrlsIn } from "../domain/upload-urls.ts";
import { tokenMatches } from "../domain/tokens.ts";
import type { Sql } from "../db/port.ts";
import {
  addTaskUploads, lockUploads, markReferenced, markUnreferenced, removeTaskUploads, removeTaskUploadsIn, uploadsNamedBy, uploadsNamedIn,
  type UploadField,
} from "../store/task-uploads.ts";
import { feedTextsHolding } from "../store/activity.ts";
import { findTaskRow, type TaskScope } from "../store/tasks.ts";
import type { Write } from "../write.ts";

/** Uploads a statement names at most (a Markdown text may hold thousands of URLs). */
const CHUNK = 100;

/** The field's texts name these uploads too (a new task's, a comment's); nothing they named before is dropped. */
export async function nameUploads(w: Write, taskId: string, field: UploadField, texts: readonly string[]): Promise<void> {
  const urls = uploadUrlsIn(texts);
  if (urls.length === 0) return;
  const named = [...(await lockNamed(w.sql, urls.map((u) => u.id), urls, await workspaceOf(w.sql, taskId)))];
  for (const ids of chunks(named)) await addTaskUploads(w.sql, taskId, field, ids);
  for (const ids of chunks(named)) await markReferenced(w.sql, ids);
}

/** The field's texts are now these (an edit of the task's images or description): what it named before and no longer does is dropped. */
export async function renameUploads(w: Write, taskId: string, field: Exclude<UploadField, "feed">, texts: readonly string[]): Promise<void> {
  const urls = uploadUrlsIn(texts);
  // The task is locked by its edit: what its field names does not change meanwhile.
  const before = new Set(await uploadsNamedBy(w.sql, taskId, field));
  if (urls.length === 0 && before.size === 0) return;
  const named = await lockNamed(w.sql, [...before, ...urls.map((u) => u.id)], urls, urls.length > 0 ? await workspaceOf(w.sql, taskId) : null);
  const dropped = [...before].filter((id) => !named.has(id));
  const added = [...named].filter((id) => !before.has(id));
  for (const ids of chunks(dropped)) await removeTaskUploads(w.sql, taskId, field, ids);
  for (const ids of chunks(added)) await addTaskUploads(w.sql, taskId, field, ids);
  for (const ids of chunks(added)) await markReferenced(w.sql, ids);
  for (const ids of chunks(dropped)) await markUnreferenced(w.sql, ids, w.now);
}

/**
 * A feed entry's text went from `before` to `after` (a comment edited; deleted: ""), written already: what it names
 * now is named; what it named before and nothing in the feed names any more (another entry, a run's prompt) is dropped,
 * as a description's edit drops it. The uploads are locked before the feed is read: a write letting go of one at the
 * same time waits, then reads this one's text.
 */
export async function refeedUploads(w: Write, taskId: string, before: string, after: string): Promise<void> {
  const urls = uploadUrlsIn([after]);
  const was = [...new Set(uploadUrlsIn([before]).map((u) => u.id))];
  if (urls.length === 0 && was.length === 0) return;
  const workspaceId = await workspaceOf(w.sql, taskId);
  const named = await lockNamed(w.sql, [...was, ...urls.map((u) => u.id)], urls, workspaceId);
  for (const ids of chunks([...named])) await addTaskUploads(w.sql, taskId, "feed", ids);
  for (const ids of chunks([...named])) await markReferenced(w.sql, ids);
  const gone = was.filter((id) => !named.has(id));
  const still = new Set<string>();
  for (const part of chunks(gone)) {
    const these = new Set(part);
    const texts = await feedTextsHolding(w.sql, taskId, part.map((id) => `/files/${id}/`));
    // Held already: read again for their keys, which a look-alike URL elsewhere in the feed must match.
    for (const id of await lockNamed(w.sql, part, uploadUrlsIn(texts).filter((u) => these.has(u.id)), workspaceId)) still.add(id);
  }
  const dropped = gone.filter((id) => !still.has(id));
  for (const ids of chunks(dropped)) await removeTaskUploads(w.sql, taskId, "feed", ids);
  for (const ids of chunks(dropped)) await markUnreferenced(w.sql, ids, w.now);
}

/** Drops what the scope's tasks name, before they are deleted: an upload they alone named goes on the purger's queue. */
export async function releaseUploads(w: Write, scope: TaskScope): Promise<void> {
  const named = await uploadsNamedIn(w.sql, scope);
  if (named.length === 0) return;
  await lockNamed(w.sql, named, [], null);
  await removeTaskUploadsIn(w.sql, scope);
  for (const ids of chunks(named)) await markUnreferenced(w.sql, ids, w.now);
}

/**
 * Locks the uploads `ids` (those that exist), in id order; answers those of `urls` that are
 * `workspaceId`'s and whose key is right. A URL whose upload is gone (removed after its grace) names nothing.
 */
async function lockNamed(
  sql: Sql,
  ids: readonly string[],
  urls: readonly { id: string; key: string }[],
  workspaceId: string | null,
): Promise<Set<string>> {
  const found = new Map<string, { key_hash: string; workspace_id: string }>();
  for (const part of chunks([...new Set(ids)].sort())) {
    for (const row of await lockUploads(sql, part)) found.set(row.id, row);
  }
  const named = new Set<string>();
  for (const { id, key } of urls) {
    const upload = found.get(id);
    if (upload !== undefined && upload.workspace_id === workspaceId && tokenMatches(key, upload.key_hash)) named.add(id);
  }
  return named;
}

/** The task's workspace: read only when its texts hold an upload's URL. */
async function workspaceOf(sql: Sql, taskId: string): Promise<string | null> {
  return (await findTaskRow(sql, taskId))?.workspace_id ?? null;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}
