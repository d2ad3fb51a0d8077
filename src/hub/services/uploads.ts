/**
 * Uploaded images: a person pastes or drops a screenshot into a task, the hub keeps the
 * bytes and answers with a URL of its own for the task's `images`. That URL is a
 * capability (/files/<id>/<key>, the key 192 random bits): it is served without auth, as
 * the external image URLs of tasks are, so the bridge (holding only an agent token) and
 * an <img> tag can load it. Only its hash is stored.
 *
 * Its lifecycle: made unnamed (no task names it yet: the person pastes, then saves), it is
 * named and let go as tasks' texts change (services/upload-refs.ts); one named by none for
 * the grace period (--upload-grace) is removed by the purger. Until then it counts against
 * its workspace's quota (--upload-quota), checked in the upload's own write.
 */
import { randomBytes } from "node:crypto";
import { newId } from "../domain/ids.ts";
import { isImageType, MAX_UPLOAD_BYTES, sniffImageType, type ImageType } from "../domain/image-type.ts";
import { formatSize } from "../domain/size.ts";
import { hashToken, tokenMatches } from "../domain/tokens.ts";
import { HubError } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import {
  claimUnreferencedUploads, deleteUnreferencedUploads, findServedUpload, giveUploadBytes, insertUpload, takeUploadBytes, uploadBytesOf,
} from "../store/uploads.ts";
import { markReferenced } from "../store/task-uploads.ts";
import type { Reader } from "../db/port.ts";
import type { Write } from "../write.ts";
import { userWorkspace, userWorkspaceToWrite } from "./access.ts";

export const MAX_UPLOAD_NAME = 200;

export interface NewUpload {
  workspaceId: string;
  name?: string | undefined;
  /** The header's media type (one of the four, checked by the route's parser). */
  contentType: string;
  /** The bytes, base64: a command's input crosses to the writer thread as JSON. */
  base64: string;
}

export interface StoredUpload {
  id: string;
  /** The random half of the file's URL, shown this once. */
  key: string;
  name?: string;
  bytes: number;
  contentType: ImageType;
}

export const unsupportedMedia = (message: string) => new HubError("unsupported_media_type", message);

/** The bytes' type, when it is an image we serve and the header says the same; else a 415. */
export function checkedImage(headerType: string, data: Uint8Array): ImageType {
  if (!isImageType(headerType)) throw unsupportedMedia("Content-Type must be image/png, image/jpeg, image/gif or image/webp");
  const actual = sniffImageType(data);
  if (actual === null) throw unsupportedMedia(`The body is not a PNG, JPEG, GIF or WebP image (Content-Type said ${headerType})`);
  if (actual !== headerType) throw unsupportedMedia(`The body is ${actual}, not ${headerType} as Content-Type said`);
  return actual;
}

/** What a workspace's uploads take, and what they may. */
export interface StorageUsage {
  usedBytes: number;
  quotaBytes: number;
}

export async function createUpload(w: Write, user: UserPrincipal, input: NewUpload, quotaBytes: number): Promise<StoredUpload> {
  await userWorkspaceToWrite(w.sql, user, input.workspaceId);
  const data = Buffer.from(input.base64, "base64");
  if (data.length > MAX_UPLOAD_BYTES) throw new HubError("payload_too_large", "An upload is at most 10 MiB");
  const contentType = checkedImage(input.contentType, data);
  if (!(await takeUploadBytes(w.sql, input.workspaceId, data.length, quotaBytes))) {
    throw overQuota(data.length, { usedBytes: await uploadBytesOf(w.sql, input.workspaceId), quotaBytes });
  }
  const name = input.name?.trim() || undefined;
  const id = newId("upl", w.now);
  const key = randomBytes(24).toString("base64url");
  await insertUpload(w.sql, {
    id, workspace_id: input.workspaceId, key_hash: hashToken(key), content_type: contentType, name: name ?? null,
    bytes: data.length, data, created_by: user.userId, created_at: w.now,
    // Named by no task yet: it waits the grace period for the task it was pasted into to be saved.
    unreferenced_since: w.now,
  });
  return { id, key, ...(name ? { name } : {}), bytes: data.length, contentType };
}

function overQuota(bytes: number, usage: StorageUsage): HubError {
  return new HubError(
    "payload_too_large",
    `This workspace's uploads are limited to ${formatSize(usage.quotaBytes)} and take ${formatSize(usage.usedBytes)} already ` +
      `(${usage.usedBytes} of ${usage.quotaBytes} bytes): this image (${formatSize(bytes)}) would go over. ` +
      "Remove images from tasks (or the tasks): an image no task shows is deleted after a grace period.",
    { ...usage },
  );
}

/** The workspace's usage, for one of its members (404 for anyone else). */
export async function storageUsage(db: Reader, user: UserPrincipal, workspaceId: string, quotaBytes: number): Promise<StorageUsage> {
  await userWorkspace(db, user, workspaceId);
  return { usedBytes: await uploadBytesOf(db, workspaceId), quotaBytes };
}

/**
 * Removes up to `limit` uploads no task has named since `before` (the purger's, in batches),
 * giving their bytes back to their workspaces' quotas; how many went, and whether to look again.
 */
export async function purgeUnreferencedUploads(w: Write, before: number, limit: number): Promise<{ uploads: number; more: boolean }> {
  const claimed = await claimUnreferencedUploads(w.sql, before, limit);
  if (claimed.length === 0) return { uploads: 0, more: false };
  const removed = await deleteUnreferencedUploads(w.sql, claimed);
  // One that a task does name after all was queued wrongly: off the queue, or every pass would find it again.
  if (removed.length < claimed.length) await markReferenced(w.sql, claimed.filter((id) => !removed.some((r) => r.id === id)));
  const freed = new Map<string, number>();
  for (const r of removed) freed.set(r.workspace_id, (freed.get(r.workspace_id) ?? 0) + r.bytes);
  // In id order: two hubs' batches never wait on each other's workspaces in a circle.
  for (const workspaceId of [...freed.keys()].sort()) await giveUploadBytes(w.sql, workspaceId, freed.get(workspaceId)!);
  return { uploads: removed.length, more: claimed.length === limit };
}

/** The file behind a URL, or undefined for a wrong id or key (the same 404 either way). */
export async function servedUpload(db: Reader, id: string, key: string): Promise<{ contentType: string; data: Buffer } | undefined> {
  const row = await findServedUpload(db, id);
  if (!row || !tokenMatches(key, row.key_hash)) return undefined;
  return { contentType: row.content_type, data: Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength) };
}
