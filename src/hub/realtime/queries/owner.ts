/**
 * The `owner` module: the web UI's live queries. Each is authorized by the
 * session cookie the socket was opened with (never by anything in its args),
 * re-checks that session on every run, and depends on `user:<id>` (which a
 * sign-out touches) plus exactly the keys its data lives under:
 * - `owner:me {}`: who is signed in, unread count, workspaces and projects;
 * - `owner:board {projectId, limit?, q?}`: each column's first `limit` tasks (100) with their newest
 *   run, and how many each column holds; with `q`, only the tasks whose title or description
 *   contains it (as GET /tasks?q= finds them);
 * - `owner:task {taskId, activityLimit?}`: one task with its runs, the newest `activityLimit` entries
 *   of its feed (100), oldest first, and how many the feed holds (`activityCount`);
 * - `owner:notifications {limit?}`: the newest `limit` notifications (50) and the unread count;
 * - `owner:agents {}`: your agents with their recent runs;
 * - `owner:runs {status?, agentId?, limit?}`: your agents' newest `limit` runs (50) across your workspaces,
 *   in one of `status` (an array; all when absent), of one agent, and whether there are `more`; how many are
 *   PENDING, RUNNING and ERROR (for every filter but the status), and your agents' names (as GET /runs lists
 *   and counts them);
 * - `owner:members {workspaceId}`: a workspace's people;
 * - `owner:webhooks {}`: your webhooks and how their deliveries went (as GET /webhooks lists them), under
 *   `webhooks:<your id>`, which only your webhooks' writes touch (the dispatcher's attempts among them).
 */
import { Type } from "typebox";
import { RunStatusSchema, type TaskStatus } from "../../../sdk/types.ts";
import type { Reader } from "../../db/port.ts";
import { parseSearchText } from "../../domain/search.ts";
import { HubError } from "../../errors.ts";
import type { UserPrincipal } from "../../principal.ts";
import { userTask, userWorkspace } from "../../services/access.ts";
import { toAgentView } from "../../services/agents.ts";
import { toWebhookView } from "../../services/webhooks.ts";
import { toProjectView, workspaceMembers } from "../../services/workspaces.ts";
import { countActivity, listNewestActivity } from "../../store/activity.ts";
import { listAgentsOf } from "../../store/agents.ts";
import { countUnread, listNotifications } from "../../store/notifications.ts";
import { countRunsForOwner, listRunsForOwner } from "../../store/owner-runs.ts";
import { listWebhooks } from "../../store/webhooks.ts";
import { countTasksByStatus, listBoardColumn } from "../../store/owner-views.ts";
import { listRunsOfAgentForUser, listRunsOfTask } from "../../store/runs.ts";
import { findSession } from "../../store/sessions.ts";
import { findTask } from "../../store/tasks.ts";
import { findProject, listProjects, listWorkspacesOf } from "../../store/workspaces.ts";
import { changeKey } from "../change-keys.ts";
import { QueryError, type QueryContext, type QueryRegistry } from "../registry.ts";

const NoArgs = Type.Object({}, { additionalProperties: false });
const Id = Type.String({ minLength: 1, maxLength: 200 });
/** Tasks shown per board column at first, and at most (the page asks for more as you scroll). */
const BOARD_LIMIT = Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 }));
const BOARD_DEFAULT = 100;
/** Feed entries shown on the task page at first, and at most (it asks for more on "Show older"). */
const ACTIVITY_LIMIT = Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 }));
const ACTIVITY_DEFAULT = 100;
const NOTIFICATIONS_LIMIT = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }));
const NOTIFICATIONS_DEFAULT = 50;
const RUNS_PER_AGENT = 20;
/** Runs shown on the Runs page at first, and at most (it asks for more on "Show more"), as GET /runs' limit. */
const RUNS_LIMIT = Type.Optional(Type.Integer({ minimum: 1, maximum: 500 }));
const RUNS_DEFAULT = 50;
const RunsArgs = Type.Object({
  status: Type.Optional(Type.Array(RunStatusSchema, { minItems: 1, maxItems: 5 })), agentId: Type.Optional(Id), limit: RUNS_LIMIT,
}, { additionalProperties: false });
/** Checked by parseSearchText (trimmed, 1 to 200 characters); the bound here only keeps args small. */
const SEARCH = Type.Optional(Type.String({ maxLength: 1000 }));

interface Signed {
  readonly user: UserPrincipal;
  readonly keys: string[];
  readonly expiresAt: number;
}

/** The session's person, checked again now: a sign-out or expiry ends the queries at their next run. */
async function signedIn(ctx: QueryContext): Promise<Signed> {
  const session = ctx.session;
  const row = session && (await findSession(ctx.db, session.tokenHash, ctx.now));
  if (!session || !row) throw new QueryError("UNAUTHORIZED", "Not signed in");
  return { user: { kind: "user", userId: row.user_id, name: row.name }, keys: [changeKey.user(row.user_id)], expiresAt: row.expires_at };
}

/** Args that fail a parse answer 400 as HubErrors; the client sees them as BAD_REQUEST. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof HubError && error.code === "bad_request") throw new QueryError("BAD_REQUEST", error.message);
    throw error;
  }
}

/** Access rules answer 404 as HubErrors; the client sees them as NOT_FOUND, run again when one of `keys` (what may make it visible) changes. */
async function visible<T>(check: Promise<T>, keys: readonly string[]): Promise<T> {
  try {
    return await check;
  } catch (error) {
    if (error instanceof HubError && error.code === "not_found") throw new QueryError("NOT_FOUND", error.message, { keys });
    throw error;
  }
}

async function me(db: Reader, s: Signed) {
  const workspaces = await listWorkspacesOf(db, s.user.userId);
  const withProjects = await Promise.all(workspaces.map(async (w) => ({
    id: w.id, name: w.name, projects: (await listProjects(db, w.id)).map(toProjectView),
  })));
  return {
    value: { id: s.user.userId, name: s.user.name, unreadNotifications: await countUnread(db, s.user.userId), workspaces: withProjects },
    keys: [...s.keys, ...workspaces.map((w) => changeKey.workspace(w.id))],
    expiresAt: s.expiresAt,
  };
}

export function defineOwnerQueries(registry: QueryRegistry): QueryRegistry {
  return registry
    .define("owner:me", { args: NoArgs, async evaluate(ctx) {
      return me(ctx.db, await signedIn(ctx));
    } })
    .define("owner:board", { args: Type.Object({ projectId: Id, limit: BOARD_LIMIT, q: SEARCH }, { additionalProperties: false }), async evaluate(ctx, { projectId, limit, q }) {
      const search = parsed(() => parseSearchText(q));
      const s = await signedIn(ctx);
      const project = await findProject(ctx.db, projectId);
      if (!project) throw new QueryError("NOT_FOUND", "Project not found", { keys: s.keys });
      // Being added to the workspace touches it and the new member.
      await visible(userWorkspace(ctx.db, s.user, project.workspace_id), [...s.keys, changeKey.workspace(project.workspace_id)]);
      const filter = { projectId, search };
      const column = (status: TaskStatus) => listBoardColumn(ctx.db, filter, status, limit ?? BOARD_DEFAULT);
      const [todo, doing, done, counts] = await Promise.all([column("todo"), column("doing"), column("done"), countTasksByStatus(ctx.db, filter)]);
      const tasks = [...todo, ...doing, ...done];
      return {
        value: { project: toProjectView(project), tasks, counts },
        // Task lists change under workspace:<id>; a run's status (the badge) only under task:<id>. Every
        // write to a task's title, description or status touches its workspace too, so a task that comes
        // to match `q`, or stops matching, re-runs the board like any other change to its lists.
        keys: [...s.keys, changeKey.workspace(project.workspace_id), ...tasks.map((t) => changeKey.task(t.id))],
        expiresAt: s.expiresAt,
      };
    } })
    .define("owner:task", { args: Type.Object({ taskId: Id, activityLimit: ACTIVITY_LIMIT }, { additionalProperties: false }), async evaluate(ctx, { taskId, activityLimit }) {
      const s = await signedIn(ctx);
      const keys = [...s.keys, changeKey.task(taskId)];
      await visible(userTask(ctx.db, s.user, taskId), keys);
      // Only a window of the feed: the whole value is sent again on every change, and an agent's run posts hundreds.
      const [task, activity, activityCount, runs] = await Promise.all([
        findTask(ctx.db, taskId), listNewestActivity(ctx.db, taskId, activityLimit ?? ACTIVITY_DEFAULT), countActivity(ctx.db, taskId), listRunsOfTask(ctx.db, taskId),
      ]);
      // Deleted between the check and these reads: gone, as the next run of the query would say.
      if (!task) throw new QueryError("NOT_FOUND", "Task not found", { keys });
      return { value: Object.assign(task, { activity, activityCount, runs }), keys, expiresAt: s.expiresAt };
    } })
    .define("owner:notifications", { args: Type.Object({ limit: NOTIFICATIONS_LIMIT }, { additionalProperties: false }), async evaluate(ctx, { limit }) {
      const s = await signedIn(ctx);
      const [unread, items] = await Promise.all([
        countUnread(ctx.db, s.user.userId), listNotifications(ctx.db, s.user.userId, { unreadOnly: false, limit: limit ?? NOTIFICATIONS_DEFAULT }),
      ]);
      return { value: { unread, items }, keys: s.keys, expiresAt: s.expiresAt };
    } })
    .define("owner:members", { args: Type.Object({ workspaceId: Id }, { additionalProperties: false }), async evaluate(ctx, { workspaceId }) {
      const s = await signedIn(ctx);
      const keys = [...s.keys, changeKey.workspace(workspaceId)];
      const value = await visible(workspaceMembers(ctx.db, s.user, workspaceId), keys);
      return { value, keys, expiresAt: s.expiresAt };
    } })
    .define("owner:agents", { args: NoArgs, async evaluate(ctx) {
      const s = await signedIn(ctx);
      const agents = await listAgentsOf(ctx.db, s.user.userId);
      const value = await Promise.all(agents.map(async (a) => ({
        ...toAgentView(a), runs: await listRunsOfAgentForUser(ctx.db, a.id, RUNS_PER_AGENT),
      })));
      // Creating an agent touches user:<creator>; its runs and token touch agent:<id>.
      return { value, keys: [...s.keys, ...agents.map((a) => changeKey.agent(a.id))], expiresAt: s.expiresAt };
    } })
    .define("owner:runs", { args: RunsArgs, async evaluate(ctx, { status, agentId, limit }) {
      const s = await signedIn(ctx);
      const scope = { userId: s.user.userId, agentId };
      const shown = limit ?? RUNS_DEFAULT;
      // One more than shown: whether "Show more" has more to show.
      const [agents, page, counts] = await Promise.all([
        listAgentsOf(ctx.db, s.user.userId),
        listRunsForOwner(ctx.db, { ...scope, statuses: status, limit: shown + 1 }), countRunsForOwner(ctx.db, scope),
      ]);
      const runs = page.slice(0, shown);
      return {
        value: { runs, more: page.length > shown, counts, agents: agents.map((a) => ({ id: a.id, name: a.name })) },
        // A run made, started or ended, and an edit or deletion of its task, touch agent:<id> (its agent's, a deleted
        // one's too); leaving a workspace (its runs leave the list) and making an agent touch user:<id>.
        keys: [...s.keys, ...new Set([...agents.map((a) => a.id), ...runs.map((r) => r.agent.id)].map(changeKey.agent))],
        expiresAt: s.expiresAt,
      };
    } })
    .define("owner:webhooks", { args: NoArgs, async evaluate(ctx) {
      const s = await signedIn(ctx);
      const value = (await listWebhooks(ctx.db, s.user.userId)).map(toWebhookView);
      return { value, keys: [...s.keys, changeKey.webhooks(s.user.userId)], expiresAt: s.expiresAt };
    } });
}
