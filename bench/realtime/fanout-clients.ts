/**
 * The client side of bench/fanout, in its own process (forked with IPC): many
 * agents subscribed to `agentWebSocket.pendingRuns`. Most are raw `ws` sockets
 * speaking the same frames the stock client sends (so 10,000 fit in one
 * process); a sample are stock ConvexClients. Each notes, on the shared
 * monotonic clock, when it first saw each run id.
 */
import { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import WebSocket from "ws";

type Command =
  | { type: "connect"; baseUrl: string; raw: string[]; stock: string[] }
  | { type: "report" }
  | { type: "stop" };

const now = () => Number(process.hrtime.bigint()) / 1e6;
/** runId → [ms on the monotonic clock, seen by a stock client?] */
const seen = new Map<string, [number, boolean]>();
const sockets: WebSocket[] = [];
const clients: ConvexClient[] = [];

function note(runs: { id: string }[], stock: boolean): void {
  const at = now();
  for (const run of runs) if (!seen.has(run.id)) seen.set(run.id, [at, stock]);
}

/** A raw agent: Connect, one Add, then read Transitions (checking their version chain as the client would). */
function rawAgent(baseUrl: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl.replace("http", "ws")}/api/1.48.0/sync`, { perMessageDeflate: false });
    sockets.push(ws);
    let held = JSON.stringify({ querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" });
    ws.once("error", reject);
    ws.on("open", () => {
      ws.send(JSON.stringify({ type: "Connect", sessionId: `bench-${token.slice(-8)}`, connectionCount: 0, lastCloseReason: "InitialConnect", clientTs: Date.now() }));
      ws.send(JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [
        { type: "Add", queryId: 0, udfPath: "agentWebSocket:pendingRuns", args: [{ token }] }] }));
    });
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type !== "Transition") return;
      if (JSON.stringify(frame.startVersion) !== held) {
        console.error(`Invalid start version ${JSON.stringify(frame.startVersion)}, holding ${held}`);
        process.exit(1);
      }
      held = JSON.stringify(frame.endVersion);
      for (const m of frame.modifications) if (m.type === "QueryUpdated") note(m.value, false);
      resolve();
    });
  });
}

function stockAgent(baseUrl: string, token: string): Promise<void> {
  const client = new ConvexClient(baseUrl, { logger: false });
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.onUpdate(anyApi.agentWebSocket!.pendingRuns!, { token }, (runs: { id: string }[]) => {
      note(runs, true);
      resolve();
    }, reject);
  });
}

async function connect(command: Extract<Command, { type: "connect" }>): Promise<void> {
  await Promise.all(command.stock.map((token) => stockAgent(command.baseUrl, token)));
  // A few hundred handshakes at a time stay within the listen backlog.
  for (let i = 0; i < command.raw.length; i += 250) {
    await Promise.all(command.raw.slice(i, i + 250).map((token) => rawAgent(command.baseUrl, token)));
  }
}

process.on("message", (command: Command) => {
  switch (command.type) {
    case "connect":
      connect(command).then(() => process.send!({ type: "connected", sockets: sockets.length + clients.length }), (error) => {
        console.error(error);
        process.exit(1);
      });
      return;
    case "report":
      process.send!({ type: "seen", entries: [...seen] });
      return;
    case "stop":
      for (const ws of sockets) ws.terminate();
      void Promise.all(clients.map((c) => c.close())).then(() => process.exit(0));
      return;
  }
});
process.send!({ type: "ready" });
