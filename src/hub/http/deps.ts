import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { ChangeFeed } from "../changes.ts";
import type { Database } from "../db/port.ts";
import type { Clock, Writer } from "../write.ts";

/** What the HTTP layer is handed by the hub. */
export interface HttpDeps {
  readonly db: Database;
  readonly writer: Writer;
  readonly feed: ChangeFeed;
  readonly clock: Clock;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
