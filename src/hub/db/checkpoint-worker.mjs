// The checkpointer's thread (plain JS: a worker does not get the tsx loader).
// It holds its own connection and, on each request, copies the WAL's committed
// frames into the database file. PASSIVE never waits for the writer.
import { parentPort, workerData } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";

const db = new BetterSqlite3(workerData.file);
db.pragma("busy_timeout = 5000");
// Syncing the WAL before and the database file after each checkpoint is what makes it safe to reuse the WAL.
db.pragma("synchronous = NORMAL");
parentPort.postMessage({ ready: true });

parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ busy: result.busy, log: result.log, checkpointed: result.checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
