/**
 * A person's outgoing webhooks (`/webhooks`), managed as personal access tokens are: add (the secret shown
 * once), list (never the secret), delete, and send a test delivery. What is delivered: src/hub/webhooks/.
 */
import { Type } from "typebox";
import { ErrorBody } from "../../../sdk/types.ts";
import { unavailable } from "../../errors.ts";
import { MAX_WEBHOOKS, toWebhookView } from "../../services/webhooks.ts";
import { listWebhooks } from "../../store/webhooks.ts";
import type { App, HttpDeps } from "../deps.ts";
import { mutation } from "../idempotency.ts";
import { IdParams, NewWebhookBody, NoBody, Webhook, WebhookTestResult, WebhookWithSecret } from "../schemas.ts";

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody };
const s = <S extends object>(summary: string, rest: S) => ({ schema: { tags: ["Webhooks"], summary, security: [{ ownerBearer: [] }], ...rest } });

export function webhookRoutes(app: App, deps: HttpDeps): void {
  app.get("/webhooks", s("Your webhooks, newest first, with how their last delivery went: never their secrets", { response: { 200: Type.Array(Webhook), ...errors } }),
    async (request) => (await listWebhooks(deps.db, request.user.userId)).map(toWebhookView));
  app.post("/webhooks", s(`Add a webhook: your notifications from now on are POSTed to its URL, signed with its secret (shown this once; at most ${MAX_WEBHOOKS} each: 409 past that)`, {
    body: NewWebhookBody, response: { 201: WebhookWithSecret, ...errors },
  }), (request, reply) => mutation(deps, request, reply, `user:${request.user.userId}`, 201, "createWebhook", { user: request.user, webhook: request.body }));
  app.delete("/webhooks/:id", s("Delete one of your webhooks: nothing more is sent to it", { params: IdParams, response: { 204: Type.Null(), ...errors } }),
    async (request, reply) => {
      await deps.writer.run("deleteWebhook", { user: request.user, webhookId: request.params.id });
      return reply.code(204).send(null);
    });
  app.post("/webhooks/:id/test", s("Send the webhook a `ping` now and say how it answered (waits up to 10 s); one delivered turns a disabled webhook on again", {
    params: IdParams, body: NoBody, response: { 200: WebhookTestResult, ...errors },
    // Each call sends a ping: an Idempotency-Key is not looked at (http/openapi.ts documents none).
    noIdempotencyKey: true,
  }), async (request) => {
    if (!deps.webhooks) throw unavailable("Webhooks are not delivered by this hub");
    return deps.webhooks.test(request.user, request.params.id);
  });
}
