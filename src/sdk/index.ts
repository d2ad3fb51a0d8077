export * from "./run-state.ts";
export * from "./types.ts";
