/** The owner live queries over the stock Convex client, as a page's socket holds them: each update recorded, waited for by what it says. */
import { ConvexClient } from "convex/browser";
import { anyApi, type FunctionReference } from "convex/server";
import { browserSocket } from "./session.ts";

export interface Update {
  value?: unknown;
  error?: Error & { data?: { code?: string } };
}

/** A subscription's updates, in order; `until` waits for one that passes, from the `from`th on (no timing assumed). */
export class Watch {
  readonly updates: Update[] = [];
  private waiters: (() => void)[] = [];
  push = (u: Update) => {
    this.updates.push(u);
    for (const w of this.waiters.splice(0)) w();
  };
  async until(check: (u: Update) => boolean, from = 0): Promise<Update> {
    for (;;) {
      const found = this.updates.slice(from).find(check);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

/** Subscribes to `owner:<name>` on a socket of its own, opened with `headers` (the cookie, the Origin); the client goes into `clients`. */
export function watchOwner(baseUrl: string, clients: ConvexClient[], name: string, args: Record<string, unknown>, headers: Record<string, string>): Watch {
  const client = new ConvexClient(baseUrl, { webSocketConstructor: browserSocket(headers), logger: false });
  clients.push(client);
  const w = new Watch();
  const query = (anyApi.owner as Record<string, unknown>)[name] as FunctionReference<"query">;
  client.onUpdate(query, args, (value) => w.push({ value }), (error) => w.push({ error }));
  return w;
}
