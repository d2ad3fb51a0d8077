/**
 * GroupChat's Agent API, `/api/v1/agent`, exactly as documented (Basic or Bearer
 * `gca_` token on every endpoint), plus our documented extras.
 */
import { Type } from "typebox";
import {
  Activity, ErrorBody, IsoDate, Me, RunDetail, RunListItem, RunMessageBody, RunResultBody, RunStatusSchema, Task,
  TaskStatusSchema,
} from "../../../sdk/types.ts";
import { HubError, notFound } from "../../errors.ts";
import type { AgentPrincipal } from "../../principal.ts";
import { agentRunToRead } from "../../services/access.ts";
import { listActivity } from "../../store/activity.ts";
import { listRunsForAgent, toRunDetail } from "../../store/runs.ts";
import { listTasksForAgent } from "../../store/task-lists.ts";
import { findTask } from "../../store/tasks.ts";
import { AgentAuth } from "../agent-auth.ts";
import { tokenFromHeader } from "../auth.ts";
import type { App, HttpDeps } from "../deps.ts";
import { mutation } from "../idempotency.ts";
import { IdFilter, VisibleText } from "../schemas.ts";

const RunParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
// A progress comment must say something, so its `body` is required (start/complete/error may omit it).
const RunCommentBody = Type.Object({ body: VisibleText(200_000) }, { additionalProperties: false });
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody };
const tags = ["Agent API"];
const security = [{ agentBasic: [] }, { agentBearer: [] }];

declare module "fastify" {
  interface FastifyRequest {
    agent: AgentPrincipal;
  }
}

export function agentApi(app: App, deps: HttpDeps): void {
  const auth = new AgentAuth(deps.db, deps.feed);
  app.decorateRequest("agent", null as never);
  app.addHook("onRequest", async (request, reply) => {
    try {
      request.agent = await auth.principal(tokenFromHeader(request.headers.authorization));
    } catch (error) {
      reply.header("www-authenticate", 'Basic realm="agent"');
      throw error;
    }
  });
  const scope = (agent: AgentPrincipal) => `agent:${agent.agentId}`;

  app.get("/me", { schema: { tags, security, summary: "The agent's profile", response: { 200: Me, ...errors } } }, async (request) => {
    const a = request.agent;
    return {
      id: a.agentId, name: a.name, description: a.description, agentUserId: a.userId, ownerId: a.creatorId,
      ownerName: a.creatorName, createdAt: a.createdAt,
    };
  });

  app.get("/tasks", {
    schema: {
      tags, security, summary: "Tasks that have a run assigned to this agent",
      querystring: Type.Object({
        dueDate: Type.Optional(IsoDate),
        dueBefore: Type.Optional(Type.Integer({ minimum: 0 })),
        dueAfter: Type.Optional(Type.Integer({ minimum: 0 })),
        // Default false, but true when `status=done` asks for completed tasks by name.
        includeCompleted: Type.Optional(Type.Boolean()),
        workspaceId: IdFilter(),
        projectId: IdFilter(),
        status: Type.Optional(TaskStatusSchema),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(Task), ...errors },
    },
  }, async (request) => {
    const q = request.query;
    return listTasksForAgent(deps.db, {
      agentId: request.agent.agentId, creatorId: request.agent.creatorId, dueDate: q.dueDate, dueBefore: q.dueBefore, dueAfter: q.dueAfter,
      includeCompleted: q.includeCompleted ?? q.status === "done", workspaceId: q.workspaceId, projectId: q.projectId, status: q.status,
      limit: q.limit ?? 50,
    });
  });

  app.get("/runs", {
    schema: {
      tags, security, summary: "This agent's runs (PENDING ones oldest first, others newest first)",
      querystring: Type.Object({
        status: Type.Optional(RunStatusSchema),
        workspaceId: IdFilter(),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(RunListItem), ...errors },
    },
  }, async (request) => {
    const q = request.query;
    return listRunsForAgent(deps.db, { agentId: request.agent.agentId, status: q.status, workspaceId: q.workspaceId, limit: q.limit ?? 50 });
  });

  app.get("/runs/:id", {
    schema: { tags, security, summary: "Run detail with the task and its whole activity feed", params: RunParams, response: { 200: RunDetail, ...errors } },
  }, async (request) => {
    const run = await agentRunToRead(deps.db, request.agent, request.params.id);
    // Reading the detail counts as a sign of life for the run's lease. A hub shedding writes (503) still answers
    // the read: the lease goes unrenewed by it, as a heartbeat refused then leaves it.
    if (run.status === "RUNNING") await deps.writer.run("touchRun", { runId: run.id }).catch(unlessShed);
    const [task, activity] = await Promise.all([findTask(deps.db, run.task_id), listActivity(deps.db, run.task_id)]);
    // Its (ended) run's task deleted between the two reads: gone, as it would be a moment later.
    if (!task) throw notFound("Run");
    return toRunDetail(run, task, activity);
  });

  app.post("/runs/:id/start", {
    schema: { tags, security, summary: "PENDING → RUNNING; posts `body` as a start comment; task → doing; a workspace member `body` @mentions is told (mention)", params: RunParams, body: Type.Optional(RunMessageBody), response: { 200: RunListItem, ...errors } },
  }, (request, reply) =>
    mutation(deps, request, reply, scope(request.agent), 200, "startRun", { agent: request.agent, runId: request.params.id, body: request.body?.body }));

  app.post("/runs/:id/comment", {
    schema: { tags, security, summary: "A progress comment; the run stays RUNNING; a workspace member it @mentions is told (mention; a name two members go by tells neither)", params: RunParams, body: RunCommentBody, response: { 201: Activity, ...errors } },
  }, (request, reply) =>
    mutation(deps, request, reply, scope(request.agent), 201, "commentOnRun", { agent: request.agent, runId: request.params.id, body: request.body.body }));

  app.post("/runs/:id/heartbeat", {
    schema: { tags, security, summary: "Renews the run's lease (ours: hosted GroupChat lacks it)", params: RunParams, body: Type.Optional(Type.Object({}, { additionalProperties: false })), response: { 200: RunListItem, ...errors } },
  }, (request, reply) =>
    mutation(deps, request, reply, scope(request.agent), 200, "heartbeatRun", { agent: request.agent, runId: request.params.id }));

  for (const action of ["complete", "error"] as const) {
    app.post(`/runs/:id/${action}`, {
      schema: {
        tags, security, params: RunParams, body: Type.Optional(RunResultBody), response: { 200: RunListItem, ...errors },
        summary: (action === "complete" ? "RUNNING → FINISHED, with a summary and costs" : "RUNNING (or PENDING) → ERROR, with the error")
          + "; a workspace member `body` @mentions is told (mention)",
      },
    }, (request, reply) =>
      mutation(deps, request, reply, scope(request.agent), 200, "endRun", { agent: request.agent, runId: request.params.id, action, input: request.body ?? {} }));
  }
}

/** A write refused for load (the writer's queue full, or the hub closing) is let go; any other failure is the request's. */
function unlessShed(error: unknown): void {
  if (!(error instanceof HubError && error.code === "unavailable")) throw error;
}
