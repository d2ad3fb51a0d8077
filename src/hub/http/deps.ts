import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { ChangeFeed } from "../changes.ts";
import type { Reader } from "../db/port.ts";
import type { QueryRegistry } from "../realtime/registry.ts";
import type { Clock } from "../write.ts";
import type { WebhookTester } from "../webhooks/dispatcher.ts";
import type { Writer } from "../writer/writer.ts";

/** What the HTTP layer is handed by the hub. */
export interface HttpDeps {
  /** Reads of committed data; every write goes through `writer`. */
  readonly db: Reader;
  readonly writer: Writer;
  readonly feed: ChangeFeed;
  readonly clock: Clock;
  /** The origin the hub is reached by, when set (`--public-url`): uploads' URLs use it. */
  readonly publicUrl?: string | null;
  /** The hash of the owner token in the data dir's credentials.json (`hub init` wrote it): GET /tokens marks that one. */
  readonly credentialsTokenHash?: string | null;
  /** The bytes of uploads a workspace may hold (`--upload-quota`). */
  readonly uploadQuotaBytes: number;
  /** The `hub login` command for this hub, once it listens (the sign-in page shows it on the hub's machine). */
  readonly loginCommand?: () => string;
  /** Sends webhooks' test deliveries (POST /webhooks/:id/test); the hub's dispatcher. */
  readonly webhooks?: WebhookTester;
  /**
   * The real-time queries, served over HTTP too (`POST /api/query`, for the stock `ConvexHttpClient`): the sync
   * server's own registry, whose caches its change feed subscription keeps current. None: every query is not found.
   */
  readonly queries?: QueryRegistry;
  /** The command that runs this hub's CLI (`npx openclaw-groupchat` unless given): the sign-in page's wording elsewhere. */
  readonly cli?: string;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
