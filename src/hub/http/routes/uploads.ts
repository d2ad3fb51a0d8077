/**
 * Uploaded images: `POST /api/v1/uploads` (owner API, the raw bytes as the body),
 * `GET /api/v1/workspaces/:id/storage` (what a workspace's uploads take of its quota) and
 * `GET /files/:id/:key`, which serves them without auth to whoever holds the URL.
 */
import { Type } from "typebox";
import { ErrorBody } from "../../../sdk/types.ts";
import { IMAGE_TYPES, isImageType, MAX_UPLOAD_BYTES, mediaType } from "../../domain/image-type.ts";
import { badRequest, notFound } from "../../errors.ts";
import { checkedImage, MAX_UPLOAD_NAME, servedUpload, storageUsage, unsupportedMedia } from "../../services/uploads.ts";
import type { App, HttpDeps } from "../deps.ts";
import { IdParams, StorageUsage, Upload, UploadTooLarge } from "../schemas.ts";
import { storableText } from "../storable-text.ts";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody };

// What a Host header may hold (a name or address, a port): anything else would make a broken or odd URL.
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The upload route, registered inside the owner API (its auth hook) in a context of its own: its body is bytes, not JSON. */
export function uploadRoutes(app: App, deps: HttpDeps): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(IMAGE_TYPES as unknown as string[], { parseAs: "buffer", bodyLimit: MAX_UPLOAD_BYTES }, (_request, body, done) => done(null, body));
  // Refused before its bytes are read: anything but the four image types (Fastify's own answer would speak of JSON).
  app.addHook("preParsing", async (request) => {
    if (!isImageType(mediaType(request.headers["content-type"]))) {
      throw unsupportedMedia("Content-Type must be image/png, image/jpeg, image/gif or image/webp");
    }
  });
  app.post("/uploads", {
    bodyLimit: MAX_UPLOAD_BYTES,
    schema: {
      tags: ["Uploads"],
      summary: "Upload an image (the raw bytes, at most 10 MiB, PNG, JPEG, GIF or WebP by their first bytes) to a workspace you belong to; " +
        "its URL, served without auth to whoever holds it, goes in a task's images. Kept while a task names it, and for a grace period " +
        "after (or after the upload, if none ever does); 413 when it would take the workspace over its quota",
      security: [{ ownerBearer: [] }],
      consumes: [...IMAGE_TYPES],
      querystring: Type.Object({
        workspaceId: Type.String({ minLength: 1, maxLength: 200 }),
        name: Type.Optional(Type.String({ maxLength: MAX_UPLOAD_NAME, description: "The file's name, e.g. screenshot.png" })),
      }, { additionalProperties: false }),
      response: { 201: Upload, ...errors, 413: UploadTooLarge },
    },
  }, async (request, reply) => {
    const host = request.host;
    if (!deps.publicUrl && !HOST.test(host)) throw badRequest("The Host header is missing or malformed: the upload's URL is made from it");
    const body = request.body as Buffer | undefined;
    const contentType = mediaType(request.headers["content-type"]);
    // Checked here too (the command checks again): a refusal costs no trip to the writer.
    checkedImage(contentType, body ?? Buffer.alloc(0));
    const upload = await deps.writer.run("createUpload", {
      user: request.user,
      upload: { workspaceId: request.query.workspaceId, name: request.query.name && storableText(request.query.name), contentType, base64: body!.toString("base64") },
      quotaBytes: deps.uploadQuotaBytes,
    });
    const { key, ...rest } = upload;
    // The hub's public address when it has one (`--public-url`: behind a proxy, or named for other machines);
    // else the one this caller reached it by, so it works for them (an <img> on the page) and for a bridge that
    // reaches the hub by the same name.
    const origin = deps.publicUrl ?? `${request.protocol}://${host}`;
    return reply.code(201).send({ ...rest, url: `${origin}/files/${upload.id}/${key}` });
  });
}

/** What a workspace's uploads take: in the owner API's own context (a GET, no image body). */
export function storageRoutes(app: App, deps: HttpDeps): void {
  app.get("/workspaces/:id/storage", {
    schema: {
      tags: ["Uploads"],
      summary: "What the workspace's uploads take of its quota (any member may look)",
      security: [{ ownerBearer: [] }],
      params: IdParams,
      response: { 200: StorageUsage, ...errors },
    },
  }, (request) => storageUsage(deps.db, request.user, request.params.id, deps.uploadQuotaBytes));
}

/** Serves an upload to whoever holds its URL; a wrong id or key is a 404. */
export function fileRoutes(app: App, deps: HttpDeps): void {
  app.get("/files/:id/:key", {
    schema: {
      hide: true,
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }), key: Type.String({ minLength: 1, maxLength: 200 }) }),
    } as never,
  }, async (request, reply) => {
    const { id, key } = request.params as { id: string; key: string };
    const file = await servedUpload(deps.db, id, key);
    if (!file) throw notFound("File");
    return reply
      .header("content-type", file.contentType)
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", "default-src 'none'")
      .header("cache-control", "private, max-age=31536000, immutable")
      .header("content-disposition", "inline")
      .header("referrer-policy", "no-referrer")
      .send(file.data);
  });
}
