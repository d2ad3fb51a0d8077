/**
 * Is this error the API refusing the agent's token itself (rotated or revoked, or its agent deleted)? A 401 from
 * the Agent API, or the real-time query's `UNAUTHORIZED`. Such a token stays refused: every later call would only
 * get the same answer, so whoever sees one says so once and asks nothing more. A 403 is not one: it refuses the
 * call (this run is not the agent's), not the token.
 */
import { isAgentApiError } from "./errors.ts";

export function isTokenRefused(error: unknown): boolean {
  if (isAgentApiError(error, "unauthorized")) return error.httpStatus === 401;
  return (error as { data?: { code?: unknown } } | null)?.data?.code === "UNAUTHORIZED";
}
