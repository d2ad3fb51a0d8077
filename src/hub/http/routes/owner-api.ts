/**
 * The owner API, `/api/v1` with `Authorization: Bearer gcp_...` or the web session cookie: what the web UI,
 * scripts and our acceptance tests use to run a workspace.
 */
import type { FastifySchema } from "fastify";
import { Type } from "typebox";
import { ErrorBody, RunListItem, Task, TaskStatusSchema } from "../../../sdk/types.ts";
import { parseSearchText } from "../../domain/search.ts";
import { badRequest, notFound } from "../../errors.ts";
import type { UserPrincipal } from "../../principal.ts";
import { userRun, userTask, userWorkspace } from "../../services/access.ts";
import { toAgentView } from "../../services/agents.ts";
import { MAX_API_TOKENS, toApiTokenView } from "../../services/api-tokens.ts";
import { MAX_OPEN_INVITES, toInviteView } from "../../services/invites.ts";
import { imageOf, MAX_TASK_IMAGES } from "../../services/task-images.ts";
import { toProjectView, toWorkspaceView, workspaceMembers } from "../../services/workspaces.ts";
import { listActivity } from "../../store/activity.ts";
import { findAgent, listAgentsOf } from "../../store/agents.ts";
import { listApiTokens } from "../../store/api-tokens.ts";
import { listOpenInvites } from "../../store/invites.ts";
import { countUnread, listNotifications, TASK_READ_LIMIT } from "../../store/notifications.ts";
import { listRunsOfAgentForUser, listRunsOfTask, toOwnerRunDetail } from "../../store/runs.ts";
import { listTasksForUser } from "../../store/task-lists.ts";
import { findTask } from "../../store/tasks.ts";
import { listProjects, listWorkspacesOf } from "../../store/workspaces.ts";
import { challengeOn401, OWNER_CHALLENGE, OwnerAuth } from "../auth.ts";
import type { App, HttpDeps } from "../deps.ts";
import { mutation, sendJson } from "../idempotency.ts";
import { Before, cursorOf, linkNextPage } from "../page-link.ts";
import { ownerRunRoutes } from "./owner-runs.ts";
import { storageRoutes, uploadRoutes } from "./uploads.ts";
import { webhookRoutes } from "./webhooks.ts";
import {
  AgentView, AgentWithToken, ApiToken, ApiTokenWithSecret, NewApiTokenBody, CommentBody, CommentParams, OwnerActivity, Invite, InviteParams, Member, MemberParams, OpenInvite, MemberAdded, NewToken, ReadCount, DelegateBody, FollowedUp, FollowUpBody, IdParams, NewAgentBody, NewMemberBody,
  IdFilter, NewProjectBody, NewTaskBody, NewWorkspaceBody, NoBody, Notification, OwnerRunDetail, OwnerRunListItem, PostedComment, Project, ReadAllBody, ReadBody, ReadTaskBody, TaskDetail,
  ProjectPatchBody, TaskPatchBody, UserMe, Workspace, WorkspacePatchBody, AddImagesBody, ImageQuery,
} from "../schemas.ts";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody };
const security = [{ ownerBearer: [] }];
const WorkspaceHeader = Type.Object({ "x-workspace-id": Type.String({ minLength: 1, maxLength: 200 }) });
const EMPTY_WORKSPACE_HEADER = "The X-Workspace-Id header is empty: send a workspace id (ws_…), or leave the header out where it is optional";
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 }));

declare module "fastify" {
  interface FastifyRequest {
    user: UserPrincipal;
  }
}

export function ownerApi(app: App, deps: HttpDeps): void {
  // A token's last use is written off the request's path, at most once a minute per token; a write refused
  // (the hub busy or closing) only leaves it older.
  const auth = new OwnerAuth(deps.db, deps.feed, {
    onUse: (tokenId, at) => void deps.writer.run("touchApiToken", { tokenId, at }).catch(() => undefined),
  });
  app.decorateRequest("user", null as never);
  app.addHook("onRequest", async (request) => {
    request.user = await auth.principal(request, deps.clock());
  });
  app.addHook("onSend", challengeOn401(OWNER_CHALLENGE));
  // Sent empty (Node trims a blank one to ""), the header would read as "no workspace": every workspace's tasks on
  // GET /tasks. Checked before the routes' own schemas, so every route that reads it says the same.
  app.addHook("preValidation", (request, _reply, done) => {
    done(request.headers["x-workspace-id"] === "" ? badRequest(EMPTY_WORKSPACE_HEADER) : undefined);
  });
  const scope = (user: UserPrincipal) => `user:${user.userId}`;
  const s = <S extends FastifySchema>(tags: string[], summary: string, rest: S) => ({ schema: { tags, summary, security, ...rest } });

  app.get("/me", s(["Me"], "The signed-in person", { response: { 200: UserMe, ...errors } }), async (request) => ({
    id: request.user.userId, name: request.user.name, unreadNotifications: await countUnread(deps.db, request.user.userId),
  }));

  // Agents
  app.get("/agents", s(["Agents"], "Your agents", { response: { 200: Type.Array(AgentView), ...errors } }), async (request) =>
    (await listAgentsOf(deps.db, request.user.userId)).map(toAgentView));
  app.post("/agents", s(["Agents"], "Create an agent; its gca_ token is shown this once", { body: NewAgentBody, response: { 201: AgentWithToken, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "createAgent", { user: request.user, ...request.body }));
  app.post("/agents/:id/token", s(["Agents"], "Rotate the agent's token; the old one stops working at once", { params: IdParams, body: NoBody, response: { 201: NewToken, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "rotateAgentToken", { user: request.user, agentId: request.params.id }));
  app.delete("/agents/:id", s(["Agents"], "Delete the agent; its token stops working at once", { params: IdParams, response: { 204: Type.Null(), ...errors } }),
    async (request, reply) => {
      await deps.writer.run("deleteAgent", { user: request.user, agentId: request.params.id });
      return reply.code(204).send(null);
    });
  app.get("/agents/:id/runs", s(["Agents"], "The agent's runs, newest first (a full page links to the next: Link rel=\"next\")", {
    params: IdParams, querystring: Type.Object({ limit: Limit, before: Before }, { additionalProperties: false }), response: { 200: Type.Array(OwnerRunListItem), ...errors },
  }), async (request, reply) => {
    const agent = await findAgent(deps.db, request.params.id);
    if (!agent || agent.creator_id !== request.user.userId) throw notFound("Agent");
    const limit = request.query.limit ?? 100;
    const runs = await listRunsOfAgentForUser(deps.db, agent.id, limit, cursorOf(request.query.before, "run", "run"));
    linkNextPage(request, reply, runs, limit);
    return runs;
  });

  // Personal access tokens
  app.get("/tokens", s(["Tokens"], "Your personal access tokens (gcp_), newest first: never the token itself", { response: { 200: Type.Array(ApiToken), ...errors } }),
    async (request) => (await listApiTokens(deps.db, request.user.userId)).map((row) => toApiTokenView(row, deps.credentialsTokenHash ?? null)));
  app.post("/tokens", s(["Tokens"], `Make a personal access token for scripts (Bearer gcp_…); shown this once (at most ${MAX_API_TOKENS} each: 409 past that)`, {
    body: NewApiTokenBody, response: { 201: ApiTokenWithSecret, ...errors },
  }), (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "createApiToken", { user: request.user, name: request.body.name }));
  app.delete("/tokens/:id", s(["Tokens"], "Revoke one of your tokens (the one calling too): it stops working at once", { params: IdParams, response: { 204: Type.Null(), ...errors } }),
    async (request, reply) => {
      await deps.writer.run("revokeApiToken", { user: request.user, tokenId: request.params.id });
      return reply.code(204).send(null);
    });

  webhookRoutes(app, deps);

  // Workspaces and projects
  app.get("/workspaces", s(["Workspaces"], "Workspaces you belong to", { response: { 200: Type.Array(Workspace), ...errors } }), async (request) =>
    (await listWorkspacesOf(deps.db, request.user.userId)).map(toWorkspaceView));
  app.post("/workspaces", s(["Workspaces"], "Create a workspace", { body: NewWorkspaceBody, response: { 201: Workspace, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "createWorkspace", { user: request.user, name: request.body.name }));
  app.patch("/workspaces/:id", s(["Workspaces"], "Rename the workspace, or hand it to another member (creatorId): its creator's to do", {
    params: IdParams, body: WorkspacePatchBody, response: { 200: Workspace, ...errors },
  }), async (request, reply) => {
    const { json } = await deps.writer.reply("editWorkspace", { user: request.user, workspaceId: request.params.id, edit: request.body });
    sendJson(reply, 200, json);
  });
  app.delete("/workspaces/:id", s(["Workspaces"], "Delete the workspace with its projects, tasks, members and invites: its creator's to do (409 while a run in it is PENDING or RUNNING)", {
    params: IdParams, response: { 204: Type.Null(), ...errors },
  }), async (request, reply) => {
    await deps.writer.run("deleteWorkspace", { user: request.user, workspaceId: request.params.id });
    return reply.code(204).send(null);
  });
  app.post("/workspaces/:id/members", s(["Workspaces"], "Add a person to a workspace; one its creator removed only its creator adds back (403 for another member)", { params: IdParams, body: NewMemberBody, response: { 201: MemberAdded, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "addWorkspaceMember", { user: request.user, workspaceId: request.params.id, userId: request.body.userId }));
  app.get("/workspaces/:id/members", s(["Workspaces"], "The workspace's people, in the order they joined", { params: IdParams, response: { 200: Type.Array(Member), ...errors } }),
    async (request) => workspaceMembers(deps.db, request.user, request.params.id));
  app.delete("/workspaces/:id/members/:userId", s(["Workspaces"], "Remove a person (the creator may remove anyone else), or leave (anyone but the creator); their agents' runs going there are stopped and the tasks they own there go to the workspace's creator (each task's feed says so; the creator, when someone left by themself, gets one tasks_handed_over notification for them all)", {
    params: MemberParams, response: { 204: Type.Null(), ...errors },
  }), async (request, reply) => {
    await deps.writer.run("removeWorkspaceMember", { user: request.user, workspaceId: request.params.id, userId: request.params.userId });
    return reply.code(204).send(null);
  });
  app.post("/workspaces/:id/invites", s(["Workspaces"], `A one-time link (7 days) that lets one person into the workspace from the web UI; shown this once (at most ${MAX_OPEN_INVITES} open at once: 409 past that)`, { params: IdParams, body: NoBody, response: { 201: Invite, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "createInvite", { user: request.user, workspaceId: request.params.id }));
  app.get("/workspaces/:id/invites", s(["Workspaces"], "Invites not used yet and still valid, newest first (their codes are never shown again)", { params: IdParams, response: { 200: Type.Array(OpenInvite), ...errors } }),
    async (request) => {
      await userWorkspace(deps.db, request.user, request.params.id);
      return (await listOpenInvites(deps.db, request.params.id, deps.clock())).map(toInviteView);
    });
  app.delete("/workspaces/:id/invites/:inviteId", s(["Workspaces"], "Take back an invite: its link stops working at once", { params: InviteParams, response: { 204: Type.Null(), ...errors } }),
    async (request, reply) => {
      await deps.writer.run("revokeInvite", { user: request.user, workspaceId: request.params.id, inviteId: request.params.inviteId });
      return reply.code(204).send(null);
    });
  app.get("/projects", s(["Projects"], "Projects of the workspace in X-Workspace-Id", { headers: WorkspaceHeader, response: { 200: Type.Array(Project), ...errors } }),
    async (request) => {
      const workspaceId = request.headers["x-workspace-id"];
      await userWorkspace(deps.db, request.user, workspaceId);
      return (await listProjects(deps.db, workspaceId)).map(toProjectView);
    });
  app.post("/projects", s(["Projects"], "Create a project in the workspace in X-Workspace-Id", { headers: WorkspaceHeader, body: NewProjectBody, response: { 201: Project, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "createProject", { user: request.user, workspaceId: request.headers["x-workspace-id"], ...request.body }));
  app.patch("/projects/:id", s(["Projects"], "Rename the project or change its description", { params: IdParams, body: ProjectPatchBody, response: { 200: Project, ...errors } }),
    async (request, reply) => {
      const { json } = await deps.writer.reply("editProject", { user: request.user, projectId: request.params.id, edit: request.body });
      sendJson(reply, 200, json);
    });
  app.delete("/projects/:id", s(["Projects"], "Delete the project with its tasks: the workspace's creator's to do (409 while a run in it is PENDING or RUNNING)", {
    params: IdParams, response: { 204: Type.Null(), ...errors },
  }), async (request, reply) => {
    await deps.writer.run("deleteProject", { user: request.user, projectId: request.params.id });
    return reply.code(204).send(null);
  });

  // Tasks
  app.get("/tasks", s(["Tasks"], "Tasks in your workspaces, newest first (a full page links to the next: Link rel=\"next\")", {
    querystring: Type.Object({
      projectId: IdFilter(), status: Type.Optional(TaskStatusSchema), workspaceId: IdFilter(), limit: Limit, before: Before,
      q: Type.Optional(Type.String({ description: "Only tasks whose title or description contains this text, whatever the case; trimmed, 1 to 200 characters, `%`, `_` and `\\` taken literally" })),
    }, { additionalProperties: false }),
    response: { 200: Type.Array(Task), ...errors },
  }), async (request, reply) => {
    const limit = request.query.limit ?? 100;
    const search = parseSearchText(request.query.q);
    const tasks = await listTasksForUser(deps.db, {
      userId: request.user.userId, projectId: request.query.projectId, status: request.query.status, search,
      workspaceId: request.query.workspaceId ?? (request.headers["x-workspace-id"] as string | undefined), before: cursorOf(request.query.before, "task", "task"), limit,
    });
    linkNextPage(request, reply, tasks, limit);
    return tasks;
  });
  app.post("/tasks", s(["Tasks"], "Create a task", { body: NewTaskBody, response: { 201: Task, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "createTask", { user: request.user, task: request.body }));
  app.get("/tasks/:id", s(["Tasks"], "A task with its activity feed and runs", { params: IdParams, response: { 200: TaskDetail, ...errors } }), async (request) => {
    const task = await userTask(deps.db, request.user, request.params.id);
    const [detail, activity, runs] = await Promise.all([findTask(deps.db, task.id), listActivity(deps.db, task.id), listRunsOfTask(deps.db, task.id)]);
    // Deleted between the check and these reads: gone, as it would be a moment later.
    if (!detail) throw notFound("Task");
    return Object.assign(detail, { activity, runs });
  });
  app.patch("/tasks/:id", s(["Tasks"], "Edit or move a task; an owner change is recorded in its feed; values equal to those stored change nothing (updatedAt included)", { params: IdParams, body: TaskPatchBody, response: { 200: Task, ...errors } }),
    async (request, reply) => {
      const { json } = await deps.writer.reply("editTask", { user: request.user, taskId: request.params.id, edit: request.body });
      sendJson(reply, 200, json);
    });
  app.delete("/tasks/:id", s(["Tasks"], "Delete the task with its feed and runs (409 while a run on it is PENDING or RUNNING: stop it first)", { params: IdParams, response: { 204: Type.Null(), ...errors } }),
    async (request, reply) => {
      await deps.writer.run("deleteTask", { user: request.user, taskId: request.params.id });
      return reply.code(204).send(null);
    });
  app.post("/tasks/:id/images", s(["Tasks"], `Add images to the task, after those it has (at most ${MAX_TASK_IMAGES} in all): two people adding at once both land, where PATCH {images} puts one's list in place of the other's`, {
    params: IdParams, body: AddImagesBody, response: { 200: Task, ...errors },
  }), (request, reply) => mutation(deps, request, reply, scope(request.user), 200, "addTaskImages", {
    user: request.user, taskId: request.params.id, images: request.body.images.map(imageOf),
  }));
  app.delete("/tasks/:id/images", s(["Tasks"], "Take the image with this URL off the task, any URL it holds (404 when it has none)", {
    params: IdParams, querystring: ImageQuery, response: { 200: Task, ...errors },
  }), async (request, reply) => {
    const { json } = await deps.writer.reply("removeTaskImage", { user: request.user, taskId: request.params.id, url: request.query.url });
    sendJson(reply, 200, json);
  });
  app.post("/tasks/:id/comments", s(["Tasks"], "Comment; @mentioning one of your agents delegates to it, a member of the workspace tells them (mention)", { params: IdParams, body: CommentBody, response: { 201: PostedComment, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "commentOnTask", { user: request.user, taskId: request.params.id, body: request.body.body }));
  app.patch("/tasks/:id/comments/:activityId", s(["Tasks"], "Edit your comment (a person's on the task, not a follow-up's message): 403 for another's, 404 for an "
    + "agent's, a status change or an id not on the task. The same words again change nothing (editedAt included); a workspace member it now @mentions "
    + "and did not before is told (mention); it never starts an agent's run", {
    params: CommentParams, body: CommentBody, response: { 200: OwnerActivity, ...errors },
  }), async (request, reply) => {
    const { json } = await deps.writer.reply("editComment", {
      user: request.user, taskId: request.params.id, commentId: request.params.activityId, body: request.body.body,
    });
    sendJson(reply, 200, json);
  });
  app.delete("/tasks/:id/comments/:activityId", s(["Tasks"], "Delete your comment: it leaves the feed (a mention it sent stays); 403 and 404 as for PATCH", {
    params: CommentParams, response: { 204: Type.Null(), ...errors },
  }), async (request, reply) => {
    await deps.writer.run("deleteComment", { user: request.user, taskId: request.params.id, commentId: request.params.activityId });
    return reply.code(204).send(null);
  });
  app.post("/tasks/:id/delegate", s(["Runs"], "Delegate the task to one of your agents (a new PENDING run)", { params: IdParams, body: DelegateBody, response: { 201: RunListItem, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "delegate", { user: request.user, taskId: request.params.id, agentId: request.body.agentId, prompt: request.body.prompt }));

  // Runs
  ownerRunRoutes(app, deps);
  app.get("/runs/:id", s(["Runs"], "Run detail (the agent's shape, with retryOf)", { params: IdParams, response: { 200: OwnerRunDetail, ...errors } }), async (request) => {
    const run = await userRun(deps.db, request.user, request.params.id);
    const [task, activity] = await Promise.all([findTask(deps.db, run.task_id), listActivity(deps.db, run.task_id)]);
    // Its (ended) run's task deleted between the two reads: gone, as it would be a moment later.
    if (!task) throw notFound("Run");
    return toOwnerRunDetail(run, task, activity);
  });
  app.post("/runs/:id/follow-up", s(["Runs"], "A new PENDING run on the same task, after this one ended; the message's @mentions do what a comment's do "
    + "(another of your agents: a PENDING run for it too, in `runs`; a member of the workspace: told, mention)", { params: IdParams, body: FollowUpBody, response: { 201: FollowedUp, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "followUp", { user: request.user, runId: request.params.id, message: request.body.message }));
  app.post("/runs/:id/retry", s(["Runs"], "Run an ended run (FINISHED, ERROR or STOPPED) again: a new PENDING run of the same agent on the same task, with the "
    + "same prompt and follow-up message, that says what it retried (retryOf). Yours only (403 for another's agent's run, 404 outside its workspace); 409 while the run, "
    + "or another of its agent's on the task, is PENDING or RUNNING, and for a deleted agent", { params: IdParams, body: NoBody, response: { 201: OwnerRunListItem, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 201, "retryRun", { user: request.user, runId: request.params.id }));
  app.post("/runs/:id/stop", s(["Runs"], "PENDING or RUNNING → STOPPED", { params: IdParams, body: NoBody, response: { 200: RunListItem, ...errors } }),
    (request, reply) => mutation(deps, request, reply, scope(request.user), 200, "stopRun", { user: request.user, runId: request.params.id }));

  // Uploads: a context of their own (the body is bytes), under the same auth hook.
  app.register(async (scoped) => uploadRoutes(scoped as App, deps));
  storageRoutes(app, deps);

  // Notifications
  app.get("/notifications", s(["Notifications"], "Your notifications, newest first (a full page links to the next: Link rel=\"next\")", {
    querystring: Type.Object({ unread: Type.Optional(Type.Boolean()), limit: Limit, before: Before }, { additionalProperties: false }),
    response: { 200: Type.Array(Notification), ...errors },
  }), async (request, reply) => {
    const limit = request.query.limit ?? 100;
    const items = await listNotifications(deps.db, request.user.userId, { unreadOnly: request.query.unread ?? false, before: cursorOf(request.query.before, "ntf", "notification"), limit });
    linkNextPage(request, reply, items, limit);
    return items;
  });
  app.post("/notifications/read", s(["Notifications"], "Mark these notifications read (ntf_… ids; another kind of id is refused with 400, one of no notification of yours is passed over)", {
    body: ReadBody, response: { 200: ReadCount, ...errors },
  }), (request, reply) => {
    // A run's or a task's id marked nothing and said nothing: a caller that mixed up its ids never heard of it.
    const bad = request.body.ids.find((id) => !id.startsWith("ntf_"));
    if (bad !== undefined) throw badRequest(`ids: ${JSON.stringify(bad)} is not a notification id (ntf_…)`);
    return mutation(deps, request, reply, scope(request.user), 200, "markNotificationsRead", { user: request.user, selection: { ids: request.body.ids } });
  });
  app.post("/notifications/read-task", s(["Notifications"], `Mark your unread notifications about this task read (the newest ${TASK_READ_LIMIT}): what the web UI does on opening it`, {
    body: ReadTaskBody, response: { 200: ReadCount, ...errors },
  }), (request, reply) => mutation(deps, request, reply, scope(request.user), 200, "markNotificationsRead", { user: request.user, selection: { taskId: request.body.taskId } }));
  app.post("/notifications/read-all", s(["Notifications"], "Mark all read up to the newest one seen (one that came after stays unread)", { body: ReadAllBody, response: { 200: ReadCount, ...errors } }),
    (request, reply) => {
      // Ids of other kinds sort before or after every notification's: a run's id marked them all read.
      if (!request.body.upTo.startsWith("ntf_")) throw badRequest("upTo must be a notification id (ntf_…)");
      return mutation(deps, request, reply, scope(request.user), 200, "markNotificationsRead", { user: request.user, selection: { upTo: request.body.upTo } });
    });
}
