// The writer thread as the hub runs it, except that a batch carrying the text
// CRASH-NOW ends the thread before the batch is run (a stand-in for a native crash).
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

parentPort.on("message", (message) => {
  if (Array.isArray(message) && message.some((part) => typeof part === "string" && part.includes("CRASH-NOW"))) process.exit(3);
});
register();
await import("../../src/hub/writer/worker.ts");
