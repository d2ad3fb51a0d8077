// The writer thread as the hub runs it, except that a batch carrying the text
// CRASH-NOW ends the thread before the batch is run (a stand-in for a native
// crash), and one carrying HANG-NOW never returns (a stand-in for a stuck thread).
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

parentPort.on("message", (message) => {
  const carries = (text) => Array.isArray(message) && message.some((part) => typeof part === "string" && part.includes(text));
  if (carries("CRASH-NOW")) process.exit(3);
  if (carries("HANG-NOW")) for (;;);
});
register();
await import("../../src/hub/writer/worker.ts");
