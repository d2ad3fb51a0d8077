/**
 * Cursor pages for the owner API's lists, newest first: a list takes `before`
 * (an id; ids sort by creation) and a full page links to the next one the way
 * GitHub's API does, `Link: <…&before=LAST>; rel="next"`. A short page is the last.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";

export const Before = Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Only items older than this id (the next page of a `Link: rel=\"next\"`)" }));

export function linkNextPage(request: FastifyRequest, reply: FastifyReply, items: readonly { id: string }[], limit: number): void {
  const last = items.at(-1);
  if (items.length < limit || !last) return;
  // Relative to the request, so a hub behind a proxy links to itself as the client sees it.
  const url = new URL(request.url, "http://hub.invalid");
  url.searchParams.set("before", last.id);
  reply.header("link", `<${url.pathname}${url.search}>; rel="next"`);
}
