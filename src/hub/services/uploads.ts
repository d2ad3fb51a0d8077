/**
 * Uploaded images: a person pastes or drops a screenshot into a task, the hub keeps the
 * bytes and answers with a URL of its own for the task's `images`. That URL is a
 * capability (/files/<id>/<key>, the key 192 random bits): it is served without auth, as
 * the external image URLs of tasks are, so the bridge (holding only an agent token) and
 * an <img> tag can load it. Only its hash is stored.
 */
import { randomBytes } from "node:crypto";
import { newId } from "../domain/ids.ts";
import { isImageType, MAX_UPLOAD_BYTES, sniffImageType, type ImageType } from "../domain/image-type.ts";
import { hashToken, tokenMatches } from "../domain/tokens.ts";
import { HubError } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import { findServedUpload, insertUpload } from "../store/uploads.ts";
import type { Reader } from "../db/port.ts";
import type { Write } from "../write.ts";
import { userWorkspaceToWrite } from "./access.ts";

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

export async function createUpload(w: Write, user: UserPrincipal, input: NewUpload): Promise<StoredUpload> {
  await userWorkspaceToWrite(w.sql, user, input.workspaceId);
  const data = Buffer.from(input.base64, "base64");
  if (data.length > MAX_UPLOAD_BYTES) throw new HubError("payload_too_large", "An upload is at most 10 MiB");
  const contentType = checkedImage(input.contentType, data);
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

/** The file behind a URL, or undefined for a wrong id or key (the same 404 either way). */
export async function servedUpload(db: Reader, id: string, key: string): Promise<{ contentType: string; data: Buffer } | undefined> {
  const row = await findServedUpload(db, id);
  if (!row || !tokenMatches(key, row.key_hash)) return undefined;
  return { contentType: row.content_type, data: Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength) };
}
