// The writer thread's entry, plain JS. Compiled (dist/node), worker.js sits beside
// it; from the TypeScript source it registers tsx, since a worker does not inherit
// the loader the CLI registered.
import { existsSync } from "node:fs";

if (existsSync(new URL("./worker.js", import.meta.url))) {
  await import("./worker.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./worker.ts");
}
