/**
 * Cursor pages for the owner API's lists, newest first: a list takes `before`
 * (an id; ids sort by creation) and a full page links to the next one the way
 * GitHub's API does, `Link: <…&before=LAST>; rel="next"`. A short page is the last.
 * A cursor is an id of what the list holds: another list's (a notification's on /runs) or no id is a
 * 400, where ids of other kinds sort before or after all of them (an empty page, or the first again).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { IdPrefix } from "../domain/ids.ts";
import { badRequest } from "../errors.ts";

export const Before = Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Only items older than this id, one of what the list holds (the next page of a `Link: rel=\"next\"`); another kind of id is refused with 400" }));

/** The list's `before`, checked to be an id of its kind (`task_…` on /tasks): a 400 saying so when not. */
export function cursorOf(before: string | undefined, kind: IdPrefix, noun: string): string | undefined {
  if (before === undefined || before.startsWith(`${kind}_`)) return before;
  throw badRequest(`before must be a ${noun} id (${kind}_…), as this list's Link rel="next" gives`);
}

export function linkNextPage(request: FastifyRequest, reply: FastifyReply, items: readonly { id: string }[], limit: number): void {
  const last = items.at(-1);
  if (items.length < limit || !last) return;
  // Relative to the request, so a hub behind a proxy links to itself as the client sees it.
  const url = new URL(request.url, "http://hub.invalid");
  url.searchParams.set("before", last.id);
  reply.header("link", `<${url.pathname}${url.search}>; rel="next"`);
}
