/**
 * The Convex sync protocol as the stock `convex` client speaks it (see
 * shared/spec/convex-sync.md): the frames in their wire ("encoded") form, checked
 * once here, and their decoded form (timestamps as bigint) used everywhere else.
 */
import { Type, type Static } from "typebox";
import { Compile } from "typebox/compile";
import type { JsonValue } from "./values.ts";
import { decodeTs, encodeTs } from "./timestamp.ts";

/**
 * The most modifications one ModifyQuerySet may carry; a frame with more ends the socket. A reconnecting client
 * re-adds all its queries in one frame, so it is also the most queries one socket may hold.
 */
export const MAX_MODIFICATIONS = 200_000;

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const EncodedTs = Type.String({ maxLength: 16 });
const Path = Type.String({ maxLength: 1024 });
const MaybeString = Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]);
/** The client always sends `[argsObject]`; the registry checks the one element. */
const Args = Type.Array(Type.Unknown(), { maxItems: 16 });

// Extra fields are tolerated: newer clients may add some; missing or mistyped ones are not.
const Connect = Type.Object({
  type: Type.Literal("Connect"),
  sessionId: Type.String({ maxLength: 256 }),
  connectionCount: Count,
  lastCloseReason: Type.Optional(MaybeString),
  maxObservedTimestamp: Type.Optional(EncodedTs),
  clientTs: Type.Optional(Type.Number()),
});
const Add = Type.Object({
  type: Type.Literal("Add"), queryId: Count, udfPath: Path, args: Args,
  journal: Type.Optional(Type.Union([Type.String(), Type.Null()])), componentPath: Type.Optional(MaybeString),
});
/** What an Add needs for the frame to be read: its queryId. The rest is checked per query, so one unreadable query fails alone. */
const AddEnvelope = Type.Object({ type: Type.Literal("Add"), queryId: Count });
const Remove = Type.Object({ type: Type.Literal("Remove"), queryId: Count });
const ModifyQuerySet = Type.Object({
  type: Type.Literal("ModifyQuerySet"), baseVersion: Count, newVersion: Count,
  modifications: Type.Array(Type.Union([AddEnvelope, Remove]), { maxItems: MAX_MODIFICATIONS }),
});
const Request = <T extends "Mutation" | "Action">(type: T) => Type.Object({
  type: Type.Literal(type), requestId: Count, udfPath: Path, args: Args, componentPath: Type.Optional(MaybeString),
});
const Mutation = Request("Mutation");
const Action = Request("Action");
const Authenticate = Type.Object({
  type: Type.Literal("Authenticate"),
  tokenType: Type.Union([Type.Literal("User"), Type.Literal("Admin"), Type.Literal("None")]),
  value: Type.Optional(Type.String()),
  baseVersion: Count,
});
const Event = Type.Object({ type: Type.Literal("Event"), eventType: Type.String({ maxLength: 256 }), event: Type.Unknown() });

/** One compiled check per message type, so an error names the field of the type that was sent. */
const CHECKS = new Map(
  [Connect, ModifyQuerySet, Mutation, Action, Authenticate, Event].map((schema) => [schema.properties.type.const as string, Compile(schema)]),
);
const ADD = Compile(Add);

export type AddQuery = Static<typeof Add>;
/** An Add whose queryId could be read but not the rest (a name too long, say): that query fails with `reason`, the others go on. */
export interface UnreadableAdd {
  readonly type: "Add";
  readonly queryId: number;
  readonly unreadable: string;
}
export type RemoveQuery = Static<typeof Remove>;
export type ModifyQuerySet = Omit<Static<typeof ModifyQuerySet>, "modifications"> & { modifications: (AddQuery | UnreadableAdd | RemoveQuery)[] };
export type MutationRequest = Static<typeof Mutation>;
export type ActionRequest = Static<typeof Action>;
export type Authenticate = Static<typeof Authenticate>;
export type Connect = Omit<Static<typeof Connect>, "maxObservedTimestamp"> & { maxObservedTimestamp?: bigint };
export type ClientMessage = Connect | ModifyQuerySet | MutationRequest | ActionRequest | Authenticate | Static<typeof Event>;

/** A mutation or action whose fields are malformed but whose requestId can still be answered. */
export interface UnreadableRequest {
  readonly type: "Mutation" | "Action";
  readonly requestId: number;
}

/** `code`: the close code, when not 1008 (1009 for a frame over the size limit that cannot be answered). */
export type ParsedFrame = { ok: true; message: ClientMessage } | { ok: false; reason: string; request?: UnreadableRequest; code?: number };

/** The summary that stands for a frame over the size limit (frame-gate.ts): its top-level fields, and these. */
interface Oversized {
  readonly $frameBytes: number;
  readonly $frameLimit: number;
}

const isOversized = (json: object): json is Oversized => typeof (json as Partial<Oversized>).$frameBytes === "number";

const tooLarge = (what: string, bytes: number, json: Oversized) => json.$frameBytes === bytes
  ? `${what} of ${bytes} bytes, over the ${json.$frameLimit} one frame may take`
  : `${what} of ${bytes} bytes, in a frame of ${json.$frameBytes} bytes, over the ${json.$frameLimit} one frame may take`;

/** One text frame from a client, checked and decoded; a reason (for the close frame) when it is malformed. */
export function parseClientFrame(text: string): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "Malformed frame: not JSON" };
  }
  const type = typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
  const check = typeof type === "string" ? CHECKS.get(type) : undefined;
  const oversized = typeof json === "object" && json !== null && isOversized(json) ? json : null;
  if (!check) return oversized ? { ok: false, reason: tooLarge("A frame", oversized.$frameBytes, oversized), code: 1009 } : { ok: false, reason: "Malformed frame: unknown message type" };
  // An oversized request is answered (the client would send it again after every reconnect); another is closed on.
  if (oversized && type !== "ModifyQuerySet" && type !== "Authenticate") return unanswerable(json, type as string, tooLarge(type as string, oversized.$frameBytes, oversized), 1009);
  if (!check.Check(json)) {
    const first = check.Errors(json)[0];
    return unanswerable(json, type as string, `Malformed ${type}: ${first?.instancePath || "frame"} ${first?.message ?? "is invalid"}`);
  }
  if (type === "ModifyQuerySet") return { ok: true, message: readAdds(json as Static<typeof ModifyQuerySet>, oversized) };
  if (type !== "Connect") return { ok: true, message: json as ClientMessage };
  const { maxObservedTimestamp, ...connect } = json as Static<typeof Connect>;
  if (maxObservedTimestamp === undefined) return { ok: true, message: connect };
  const ts = decodeTs(maxObservedTimestamp);
  if (ts === null) return { ok: false, reason: "Malformed Connect: maxObservedTimestamp is not a u64" };
  return { ok: true, message: { ...connect, maxObservedTimestamp: ts } };
}

/** A frame that cannot be read: a mutation or action whose requestId can be read is answered, anything else closed on. */
function unanswerable(json: unknown, type: string, reason: string, code?: number): ParsedFrame {
  const requestId = (json as { requestId?: unknown }).requestId;
  if ((type === "Mutation" || type === "Action") && Number.isSafeInteger(requestId) && (requestId as number) >= 0) {
    return { ok: false, reason, request: { type, requestId: requestId as number } };
  }
  return code === undefined ? { ok: false, reason } : { ok: false, reason, code };
}

/**
 * Each Add checked on its own: the stock client sends an unreadable one again after every reconnect, so it fails alone instead of closing the socket.
 * So does one the hub did not keep from a frame over the size limit (`$bytes`).
 */
function readAdds(message: Static<typeof ModifyQuerySet>, oversized: Oversized | null): ModifyQuerySet {
  const modifications = message.modifications.map((m): AddQuery | UnreadableAdd | RemoveQuery => {
    const bytes = (m as { $bytes?: unknown }).$bytes;
    if (oversized && m.type === "Add" && typeof bytes === "number") return { type: "Add", queryId: m.queryId, unreadable: tooLarge("Query", bytes, oversized) };
    if (m.type === "Remove" || ADD.Check(m)) return m as AddQuery | RemoveQuery;
    const first = ADD.Errors(m)[0];
    return { type: "Add", queryId: m.queryId, unreadable: `Malformed query: ${first?.instancePath || "Add"} ${first?.message ?? "is invalid"}` };
  });
  return { ...message, modifications };
}

/** The client version in `/api/<client version>/sync`, or null for another path. Repeated slashes are collapsed: a deployment URL with a trailing slash gives `//api/...`. */
export function syncPathVersion(url: string | undefined): string | null {
  const path = (url ?? "/").split("?", 1)[0]!.replace(/\/{2,}/g, "/");
  return /^\/api\/([^/]+)\/sync\/?$/.exec(path)?.[1] ?? null;
}

export function isSyncPath(url: string | undefined): boolean {
  return syncPathVersion(url) !== null;
}

/** Clients from 1.28.0 join TransitionChunks back into a Transition (the backend's own threshold). */
export function takesTransitionChunks(version: string | null): boolean {
  const [major, minor] = (/^(\d+)\.(\d+)\./.exec(version ?? "") ?? []).slice(1).map(Number);
  return major !== undefined && minor !== undefined && (major > 1 || (major === 1 && minor >= 28));
}

/** The backend's bound on one frame (5 MB). Over it, a frame takes long enough to arrive that the client's inactivity timer may fire, and over 100 MiB the `ws` client refuses it. */
export const MAX_FRAME_CHARS = 5_000_000;

/** A Transition's JSON text as TransitionChunk frames of at most `maxChars` of it each, which the client joins in order. */
export function transitionChunks(text: string, maxChars = MAX_FRAME_CHARS): string[] {
  const parts: string[] = [];
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + maxChars, text.length);
    // Keep a surrogate pair in one chunk.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - start > 1 && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(text.slice(start, end));
    start = end;
  }
  const transitionId = String(text.length);
  return parts.map((chunk, partNumber) => JSON.stringify({ type: "TransitionChunk", chunk, partNumber, totalParts: parts.length, transitionId }));
}

export interface StateVersion {
  readonly querySet: number;
  readonly identity: number;
  readonly ts: bigint;
}

export type StateModification =
  | { type: "QueryUpdated"; queryId: number; value: JsonValue; logLines: string[]; journal: null }
  | { type: "QueryFailed"; queryId: number; errorMessage: string; logLines: string[]; journal: null; errorData?: JsonValue }
  | { type: "QueryRemoved"; queryId: number };

export interface Transition {
  type: "Transition";
  startVersion: StateVersion;
  endVersion: StateVersion;
  modifications: StateModification[];
}

export type ServerMessage =
  | Transition
  | { type: "MutationResponse"; requestId: number; success: true; result: JsonValue; ts: bigint; logLines: string[] }
  | { type: "MutationResponse" | "ActionResponse"; requestId: number; success: false; result: string; logLines: string[]; errorData?: JsonValue }
  | { type: "AuthError"; error: string; baseVersion: number; authUpdateAttempted: boolean }
  | { type: "Ping" };

/** A query's result as a modification: a value, or an error with `errorData: { code }` for the client's `onError`. */
export function queryModification(
  queryId: number,
  result: { ok: true; value: JsonValue } | { ok: false; error: { message: string; code: string } },
): StateModification {
  if (result.ok) return { type: "QueryUpdated", queryId, value: result.value, logLines: [], journal: null };
  return { type: "QueryFailed", queryId, errorMessage: result.error.message, logLines: [], journal: null, errorData: { code: result.error.code } };
}

/** A query the hub could not read, or whose args are too large: it fails alone, with no run, and the client's other queries go on. */
export function unreadableQuery(queryId: number, reason: string): StateModification {
  return queryModification(queryId, { ok: false, error: { message: reason, code: "BAD_REQUEST" } });
}

/**
 * A query added over the socket's limit: it fails until others are removed (or, when it `waits` not, since too many
 * wait already, until the client reconnects), and the client's other queries go on.
 */
export function tooManyQueries(queryId: number, limit: number, waits = true): StateModification {
  const message = waits
    ? `More than ${limit} queries (or their args' bound) on one socket: this one is served once others are unsubscribed, or open another client`
    : `More than ${limit} queries (or their args' bound) on one socket, and too many waiting behind them: this one is served once the client reconnects with fewer, or open another client`;
  return queryModification(queryId, { ok: false, error: { message, code: "TOO_MANY_QUERIES" } });
}

/** The answer to a mutation or action the hub does not serve, so the client's promise settles instead of hanging. */
export function notServed(type: "MutationResponse" | "ActionResponse", requestId: number, udfPath: string): ServerMessage {
  const result = notServedMessage(type === "MutationResponse" ? "mutation" : "action", udfPath);
  return { type, requestId, success: false, result, logLines: [], errorData: { code: "NOT_FOUND" } };
}

/** Why a mutation or action fails, over the socket and over HTTP alike: the hub serves none. */
export function notServedMessage(what: "mutation" | "action", udfPath: string): string {
  return `The hub serves no ${what} ${JSON.stringify(udfPath.slice(0, 200))}; agents change runs through the Agent API over HTTP`;
}

/** The answer to a mutation or action the hub could not read: the client sends one again after every reconnect, so it is answered, not closed on. */
export function unreadable(request: UnreadableRequest, reason: string): ServerMessage {
  const type = request.type === "Mutation" ? "MutationResponse" : "ActionResponse";
  return { type, requestId: request.requestId, success: false, result: reason, logLines: [], errorData: { code: "BAD_REQUEST" } };
}

/** The answer to an auth token (`setAuth`): the hub verifies none, like a deployment without auth providers. */
export function authRefused(baseVersion: number): ServerMessage {
  return { type: "AuthError", error: AUTH_REFUSED, baseVersion, authUpdateAttempted: true };
}

/** Why a `setAuth` token is refused, over the socket (AuthError) and over HTTP (401) alike. */
export const AUTH_REFUSED = "The hub verifies no auth tokens: agents pass their token in query args, the web UI its session cookie";

const encodeVersion = (v: StateVersion) => ({ querySet: v.querySet, identity: v.identity, ts: encodeTs(v.ts) });

/** The JSON text of a server frame. No `serverTs`/`clientClockSkew`: optional, and a wrong one makes the client warn. */
export function encodeServerMessage(message: ServerMessage): string {
  switch (message.type) {
    case "Transition":
      return JSON.stringify({ ...message, startVersion: encodeVersion(message.startVersion), endVersion: encodeVersion(message.endVersion) });
    case "MutationResponse":
      return JSON.stringify(message.success ? { ...message, ts: encodeTs(message.ts) } : message);
    case "ActionResponse":
    case "AuthError":
    case "Ping":
      return JSON.stringify(message);
    default:
      return message satisfies never;
  }
}
