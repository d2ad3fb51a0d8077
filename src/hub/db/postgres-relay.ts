import pg from "pg";
import { createHash, randomBytes } from "node:crypto";
import { decodeChanges, emptyChangeSet, encodeChanges, everythingChanged, isEmpty, type ChangeFeed, type ChangeSet } from "../changes.ts";
import { backoffDelay } from "../../sdk/retry.ts";
import type { Sql } from "./port.ts";
import type { PostgresTx } from "./postgres.ts";


/** PostgreSQL drops a NOTIFY payload of 8,000 bytes or more; a change set is split below that. */
const MAX_PAYLOAD = 7_000;

export interface RelayOptions {
  /** The schema the hub's tables are in (null: the connection's default). */
  schema: string | null;
  /** Where other hubs' changes go once heard. */
  feed: ChangeFeed;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/**
 * Carries committed change sets between hubs that share one PostgreSQL database,
 * so a subscriber on one hub hears of a run delegated through another.
 *
 * A write announces its change set with `pg_notify` inside its own transaction:
 * the other hubs hear of it when, and only if, it commits. Each hub listens on a
 * connection of its own and publishes what others announced into its local feed
 * (its own writes reach that feed directly). While that connection is down, the
 * hub cannot hear anything; once it is back, everything is taken as changed.
 */
export class PostgresRelay {
  /** This hub's mark on its announcements, so it skips its own. */
  readonly origin = randomBytes(6).toString("base64url");
  private client: pg.Client | null = null;
  private closed = false;
  private retry = 0;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly url: string,
    /** One channel per schema: hubs on other schemas of the database are not disturbed. */
    readonly channel: string,
    private readonly options: RelayOptions,
  ) {}

  /** Starts listening; resolves once the hub can hear the others. */
  static async start(url: string, options: RelayOptions): Promise<PostgresRelay> {
    const schema = options.schema ?? (await currentSchema(url));
    const channel = `gc_changes_${createHash("sha256").update(schema).digest("hex").slice(0, 20)}`;
    const relay = new PostgresRelay(url, channel, options);
    await relay.listen();
    return relay;
  }

  /** Inside the writing transaction: the other hubs hear of `changes` once it commits. */
  async announce(tx: Sql, changes: ChangeSet): Promise<void> {
    const notify = (tx as Partial<PostgresTx>).notifyAtCommit;
    if (!notify) throw new Error("The change relay announces only inside a PostgreSQL transaction");
    // Sent with the COMMIT: a round trip fewer, and heard only if it commits.
    for (const part of split(changes)) notify(this.channel, `${this.origin} ${encodeChanges(part)}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, application_name: `openclaw-groupchat hub changes ${this.origin}` });
    client.on("notification", (message) => this.heard(message.payload ?? ""));
    // A lost connection: whatever was announced meanwhile is not heard, so listen again and re-run everything.
    const lost = (error?: Error) => {
      if (this.client !== client || this.closed) return;
      this.client = null;
      this.options.log?.warn({ err: error }, "lost the database connection that hears other hubs' changes; reconnecting");
      client.end().catch(() => undefined);
      this.reconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.client = client;
  }

  private reconnect(): void {
    if (this.closed || this.timer) return;
    const delay = backoffDelay(this.retry++, { baseDelayMs: 250, maxDelayMs: 5_000 });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.listen().then(
        () => {
          this.retry = 0;
          this.options.log?.info({}, "hearing other hubs' changes again");
          this.options.feed.publish(everythingChanged());
        },
        (error: unknown) => {
          this.options.log?.warn({ err: error }, "cannot reach the database to hear other hubs' changes; trying again");
          this.reconnect();
        },
      );
    }, delay);
    this.timer.unref();
  }

  private heard(payload: string): void {
    const space = payload.indexOf(" ");
    if (space < 0 || payload.slice(0, space) === this.origin) return;
    let changes: ChangeSet;
    try {
      changes = decodeChanges(payload.slice(space + 1));
    } catch {
      // Not one of ours (another program on the channel): it tells nothing, so everything may have changed.
      changes = everythingChanged();
    }
    this.options.feed.publish(changes);
  }
}

/** A change set in parts whose encodings fit a NOTIFY payload. */
export function split(changes: ChangeSet): ChangeSet[] {
  if (changes.everything || encodeChanges(changes).length <= MAX_PAYLOAD) return [changes];
  const parts: ChangeSet[] = [];
  let part = emptyChangeSet();
  let size = 0;
  for (const kind of ["agents", "tasks", "users", "workspaces", "credentials", "webhooks"] as const) {
    for (const id of changes[kind]) {
      if (size + id.length + 1 > MAX_PAYLOAD) {
        parts.push(part);
        part = emptyChangeSet();
        size = 0;
      }
      part[kind].add(id);
      size += id.length + 1;
    }
  }
  if (!isEmpty(part)) parts.push(part);
  return parts;
}

async function currentSchema(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ schema: string }>("SELECT current_schema() AS schema")).rows[0]!.schema;
  } finally {
    await client.end();
  }
}
