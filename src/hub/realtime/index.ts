/**
 * The hub's real-time endpoint: the Convex sync protocol the stock `convex`
 * client speaks, at `/api/<version>/sync` on the hub's own port.
 */
import type { ChangeFeed } from "../changes.ts";
import type { Reader } from "../db/port.ts";
import { defineAgentWebSocketQueries } from "./queries/agent-web-socket.ts";
import { defineOwnerQueries } from "./queries/owner.ts";
import { QueryRegistry } from "./registry.ts";
import { SyncServer, type SyncLimit, type SyncLog, type SyncServerOptions } from "./sync-server.ts";

export { SYNC_LIMITS, SyncServer, type SyncLimit, type SyncLog, type SyncServerOptions } from "./sync-server.ts";
export { QueryError, QueryRegistry, type Evaluation, type QueryDefinition } from "./registry.ts";
export { changeKey } from "./change-keys.ts";

/** Every query the hub serves, over the socket and over HTTP (`ConvexHttpClient`) alike. */
export function createQueryRegistry(): QueryRegistry {
  return defineOwnerQueries(defineAgentWebSocketQueries(new QueryRegistry()));
}

/**
 * The sync server with every query the hub serves (`registry`: the one HTTP queries share, whose caches its change
 * feed subscription keeps current).
 */
export function createSyncServer(
  deps: { db: Reader; feed: ChangeFeed; clock?: () => number; log?: SyncLog; onTurnedAway?: (limit: SyncLimit) => void; registry?: QueryRegistry },
  options: SyncServerOptions = {},
): SyncServer {
  return new SyncServer({ ...deps, registry: deps.registry ?? createQueryRegistry() }, options);
}
