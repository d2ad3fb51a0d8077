/**
 * The writer thread: owns the SQLite file's write connection (migrations,
 * group commit, checkpoints) and runs the commands the HTTP thread sends, in
 * arrival order. Outcomes go back in one message per event-loop turn, each
 * only after its transaction committed.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SqliteDatabase, type SqliteOptions } from "../db/sqlite.ts";
import { Executor } from "./executor.ts";
import { encodeError, pushExecuted, pushFailed, readCalls, type Batch, type Control } from "./wire.ts";

export interface WriterThreadData {
  file: string;
  sqlite: SqliteOptions;
}

const port = parentPort!;
const { file, sqlite } = workerData as WriterThreadData;

let db: SqliteDatabase | null = null;
try {
  // Calls arrive in batches, so there is nothing to wait for before a COMMIT; small
  // commits, each answered at once, let this thread and the HTTP thread overlap
  // instead of passing one big batch back and forth.
  // It reads only inside its transactions: no second connection.
  db = new SqliteDatabase(file, { maxBatch: 16, gather: false, readConnection: false, ...sqlite });
} catch (error) {
  // Nothing listens on the port, so the thread ends once this is sent.
  port.postMessage({ type: "fatal", error: encodeError(error) } satisfies Control);
}

if (db) serve(db);

function serve(db: SqliteDatabase): void {
  const executor = new Executor(db);
  let outgoing: Batch = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (outgoing.length === 0) return;
    const batch = outgoing;
    outgoing = [];
    port.postMessage(batch);
  };
  // Once the outcomes of one COMMIT are all in (they settle in the same microtask run).
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(flush);
  };
  const inFlight = new Set<Promise<void>>();
  port.on("message", (message: Batch | Control) => {
    if (Array.isArray(message)) {
      for (const { id, call } of readCalls(message)) {
        const settled: Promise<void> = executor.execute(call).then(
          (executed) => pushExecuted(outgoing, id, executed),
          (error: unknown) => pushFailed(outgoing, id, error),
        ).finally(() => {
          inFlight.delete(settled);
          schedule();
        });
        inFlight.add(settled);
      }
    } else if (message.type === "close") {
      // Every queued call runs and is answered before the thread ends.
      void (async () => {
        await Promise.allSettled(inFlight);
        await db.close();
        flush();
        port.close();
      })();
    }
  });
  port.postMessage({ type: "ready" } satisfies Control);
}
