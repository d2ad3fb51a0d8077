/**
 * The stock `ConvexHttpClient` (convex/browser) against the hub: one-shot queries over HTTP, served by the same
 * query registry as the sync socket and answered in the client's wire format.
 * - `POST /api/query {path, args: [argsObject], format}` runs the query as the socket would: an agent's token
 *   goes in the args, a web UI query (no session cookie here) fails UNAUTHORIZED. `200 {status: "success", value,
 *   logLines}` or `200 {status: "error", errorMessage, errorData: {code}, logLines}`, which the client throws as a
 *   ConvexError whose `data` is `errorData`, exactly the error the socket's QueryFailed gives.
 * - `POST /api/mutation`, `/api/action`: the hub serves none, so every one fails as the socket's do (NOT_FOUND).
 * - `POST /api/function` (the client's internal call of a function of any kind): a query, or not found.
 * - Any `Authorization` (`client.setAuth`) is refused with 401 before anything runs: the hub verifies no auth
 *   token, as its socket answers one with AuthError. The client throws the body's text.
 * What else the client may ask for (`/api/query_ts` for `consistentQuery`, `/api/query_at_ts`, …) is the hub's
 * usual 404 `{ error }`.
 */
import { Type, type Static } from "typebox";
import { HubError } from "../../errors.ts";
import { AUTH_REFUSED, notServedMessage } from "../../realtime/protocol.ts";
import { QueryRegistry, type Outcome } from "../../realtime/registry.ts";
import { canonicalUdfPath } from "../../realtime/udf-path.ts";
import type { App, HttpDeps } from "../deps.ts";

/**
 * A function call as the client sends it. `args` is `[argsObject]`, or the object itself (what `/api/function` and
 * hand-written calls send). Other fields are ignored, as a deployment ignores them. `format`: only the client's
 * `convex_encoded_json`, and `json`, which is the same for every value the hub's queries return (no int64 or bytes).
 */
const FunctionCall = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 1024 }),
  args: Type.Union([Type.Array(Type.Unknown()), Type.Object({})]),
  format: Type.Optional(Type.Union([Type.Literal("convex_encoded_json"), Type.Literal("json")])),
  componentPath: Type.Optional(Type.String({ maxLength: 1024 })),
});
type FunctionCall = Static<typeof FunctionCall>;

/** What the client reads: it returns `value`, or throws `errorMessage` (a ConvexError carrying `errorData` when given). */
type FunctionResponse =
  | { status: "success"; value: unknown; logLines: string[] }
  | { status: "error"; errorMessage: string; errorData: { code: string }; logLines: string[] };

const schema = { hide: true, body: FunctionCall };

export function convexHttpRoutes(app: App, deps: HttpDeps): void {
  const queries = deps.queries ?? new QueryRegistry();
  // Checked first, as a deployment authenticates before it runs anything; `code` is the deployment's word for it.
  app.addHook("onRequest", async (request) => {
    if (request.headers.authorization) throw new HubError("unauthorized", AUTH_REFUSED, { code: "Unauthenticated" });
  });

  const query = async (call: FunctionCall): Promise<FunctionResponse> => {
    const args = Array.isArray(call.args) ? call.args : [call.args];
    const outcome = await queries.run(call.path, args, { db: deps.db, now: deps.clock(), session: null }, call.componentPath || null);
    return answer(outcome);
  };
  const notServed = (what: "mutation" | "action") => async (request: { body: FunctionCall }): Promise<FunctionResponse> =>
    failure(notServedMessage(what, canonicalUdfPath(request.body.path)), "NOT_FOUND");

  app.post("/api/query", { schema }, async (request) => query(request.body));
  app.post("/api/mutation", { schema }, notServed("mutation"));
  app.post("/api/action", { schema }, notServed("action"));
  app.post("/api/function", { schema }, async (request) => query(request.body));
}

function answer(outcome: Outcome): FunctionResponse {
  if (outcome.ok) return { status: "success", value: outcome.value, logLines: [] };
  // Not the query's answer but the hub's failure (a database out of reach, say): the hub's 503 or 500, logged.
  if (outcome.error.code === "INTERNAL") throw outcome.error.cause ?? outcome.error;
  return failure(outcome.error.message, outcome.error.code);
}

const failure = (errorMessage: string, code: string): FunctionResponse => ({ status: "error", errorMessage, errorData: { code }, logLines: [] });
