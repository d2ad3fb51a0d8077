// The SDK's public surface: the Agent API contract, its client, and the run worker.
export * from "./run-state.ts";
export * from "./types.ts";
export { AgentApiClient, type AgentApiClientOptions, type CallOptions, type RunFilters, type RunResult, type TaskFilters } from "./client.ts";
export { AgentApiError, ERROR_CODES, isAgentApiError, type ErrorCode } from "./errors.ts";
export {
  backoffDelay, decideRetry, DEFAULT_RETRY_POLICY, isFinal, isRetryable, markFinal, parseRetryAfter,
  type Random, type RetryDecision, type RetryPolicy,
} from "./retry.ts";
export { systemClock, type Clock } from "./clock.ts";
export type { AgentActivity, AgentProfile, AgentRun, AgentRunDetail, AgentTask, RunAck } from "./parse.ts";
export { MemoryOutbox, type Outbox, type OutboxEntry, type OutboxKind } from "./outbox.ts";
export { COMMENT_GRACE_MS, Courier, type CourierOptions, type DeliveryOutcome, type LifecycleApi } from "./courier.ts";
export {
  isNotSyncEndpoint, judgeSyncAnswer, NotSyncEndpointError, probeSyncEndpoint, type SyncAnswer, type SyncVerdict,
} from "./sync-endpoint.ts";
export { RunSource, type RunSourceEvent, type RunSourceListener, type RunSourceOptions, type RunVia } from "./run-source.ts";
export {
  RunWorker, type Executor, type ExecutorContext, type ExecutorResult, type RunWorkerOptions, type WorkerEvent,
} from "./worker.ts";
export { SHUTDOWN_MESSAGE } from "./job.ts";
export { isTokenRefused } from "./token-refusal.ts";
