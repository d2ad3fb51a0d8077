/**
 * GET /runs: the runs of your agents across your workspaces, newest first, with how many are in each
 * status, for "what are my agents doing, and what failed" (the web UI's Runs page is owner:runs, live).
 */
import { Type } from "typebox";
import { ErrorBody } from "../../../sdk/types.ts";
import { RUN_STATUSES } from "../../../sdk/run-state.ts";
import { parseRunStatuses } from "../../domain/run-statuses.ts";
import { countRunsForOwner, listRunsForOwner } from "../../store/owner-runs.ts";
import type { App, HttpDeps } from "../deps.ts";
import { Before, cursorOf, linkNextPage } from "../page-link.ts";
import { IdFilter, RunPage } from "../schemas.ts";

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 }));

const RunsQuery = Type.Object({
  status: Type.Optional(Type.String({
    maxLength: 200, description: `Only runs in these statuses: one or more of ${RUN_STATUSES.join(", ")}, comma-separated (status=PENDING,RUNNING)`,
  })),
  agentId: IdFilter("Only this agent's runs (one of yours: another finds none)"),
  workspaceId: IdFilter("Only runs on this workspace's tasks"),
  limit: Limit,
  before: Before,
}, { additionalProperties: false });

export function ownerRunRoutes(app: App, deps: HttpDeps): void {
  app.get("/runs", { schema: {
    tags: ["Runs"], security: [{ ownerBearer: [] }],
    summary: "Your agents' runs across your workspaces, newest first, with how many are in each status (a full page links to the next: "
      + "Link rel=\"next\"). Runs in a workspace you are no longer in are left out, as on the Agents page",
    querystring: RunsQuery, response: { 200: RunPage, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
  } }, async (request, reply) => {
    const statuses = parseRunStatuses(request.query.status);
    const limit = request.query.limit ?? 100;
    const scope = { userId: request.user.userId, agentId: request.query.agentId, workspaceId: request.query.workspaceId };
    const [runs, counts] = await Promise.all([
      listRunsForOwner(deps.db, { ...scope, statuses, before: cursorOf(request.query.before, "run", "run"), limit }), countRunsForOwner(deps.db, scope),
    ]);
    linkNextPage(request, reply, runs, limit);
    return { runs, counts };
  });
}
