// The writer thread's entry, plain JS: a worker starts without the TypeScript
// loader the CLI registered, so it registers its own.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
