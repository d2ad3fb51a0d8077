/**
 * For bench/lifecycle-parts: the hub's HTTP layer (Fastify, body parsing,
 * validation, auth, Idempotency-Key handling, the reply) with a write path that
 * costs nothing. The four lifecycle commands are answered at once with a fixed
 * run; everything else (setup, creating the bench's tasks) is written for real.
 * Its throughput is the ceiling the full hub would reach if its writes were free.
 *
 *   node --import tsx bench/http-layer-server.ts DATA_DIR   → prints GROUPCHAT_API_URL=…
 */
import { join } from "node:path";
import { ChangeFeed } from "../src/hub/changes.ts";
import { DEFAULT_UPLOADS } from "../src/hub/config.ts";
import type { CommandName } from "../src/hub/commands.ts";
import { SqliteDatabase } from "../src/hub/db/sqlite.ts";
import { buildApp } from "../src/hub/http/app.ts";
import { initialize } from "../src/hub/setup.ts";
import { LocalWriter } from "../src/hub/writer/local.ts";
import type { Outcome, Writer } from "../src/hub/writer/writer.ts";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: http-layer-server.ts DATA_DIR");

const db = new SqliteDatabase(join(dataDir, "hub.sqlite"));
const feed = new ChangeFeed();
const real = new LocalWriter(db, feed);
await initialize({ writer: real }, dataDir);

// The shape of a run list item, so the client parses what it would from the real hub.
const run: Outcome = {
  kind: "done",
  json: JSON.stringify({
    id: "run_bench", taskTitle: "Bench task", prompt: "Bench task", status: "RUNNING", taskId: "tsk_bench", workspaceId: "ws_bench",
    projectId: "prj_bench", lastFollowUpMessage: null, owner: { id: "usr_bench", name: "Owner" }, createdAt: 1, startedAt: 1,
    endedAt: null, stepCostUsd: null, totalCostUsd: null,
  }),
};
const free = new Set<CommandName>(["delegate", "startRun", "commentOnRun", "endRun"]);
const writer: Writer = {
  run: (name, input) => real.run(name, input),
  reply: (name, input, idempotency) => (free.has(name) ? Promise.resolve(run) : real.reply(name, input, idempotency)),
  close: () => real.close(),
};

const app = buildApp({ db, writer, feed, clock: Date.now, uploadQuotaBytes: DEFAULT_UPLOADS.quotaBytes }, { logger: { level: "error" } });
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
console.log(`GROUPCHAT_API_URL=http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/api/v1/agent`);
process.on("SIGTERM", () => void app.close().then(() => db.close()).then(() => process.exit(0)));
