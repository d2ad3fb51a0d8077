/**
 * Why a turn failed, as a typed error, and what the owner reads about it: a
 * sentence a person can act on. The technical detail goes to the logs.
 */
import { clip } from "../sdk/clip.ts";
import { GatewayError } from "./gateway/client.ts";

export type TurnFailureCode = "lost" | "timeout" | "model" | "gateway" | "failed";

export class TurnError extends Error {
  override readonly name = "TurnError";
  constructor(readonly code: TurnFailureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const FOLLOW_UP = "Send a follow-up to try again.";

function firstLine(text: string, max = 300): string {
  const line = text.split("\n").find((l) => l.trim())?.trim() ?? "";
  return clip(line, max);
}

/** The first line without its closing full stop, to go inside a sentence of ours. */
const clause = (text: string) => firstLine(text).replace(/\.+$/, "");

/**
 * What OpenClaw's config said of its model when a run failed on it (see `isModelFailure`): whether it names a
 * primary model, and where that config is.
 */
export interface ModelSetting {
  primary: "set" | "unset";
  configPath: string;
}

/** A failure of OpenClaw's model (no answer, no credentials), as opposed to the bridge's or the gateway's. */
export function isModelFailure(error: unknown): boolean {
  if (error instanceof TurnError) return error.code === "model";
  return error instanceof GatewayError && error.code === "rejected" && turnFailure(error.message).code === "model";
}

/**
 * The message posted with `error` for a failed run. `model`: what OpenClaw's config said of its model, when the
 * bridge looked after a model failure (null: it did not, or could not tell); a config that names none is said.
 */
export function ownerMessage(error: unknown, model: ModelSetting | null = null): string {
  if (error instanceof TurnError) {
    switch (error.code) {
      case "lost":
        return `OpenClaw restarted while working on this, so the work in progress was lost. ${FOLLOW_UP}`;
      case "timeout":
        return `OpenClaw did not finish within the bridge's turn time limit (its --turn-timeout). ${FOLLOW_UP}`;
      case "model": {
        const what = model?.primary === "unset"
          ? `No model is set: set agents.defaults.model.primary in ${model.configPath} (see the README's "OpenClaw's model")`
          : "Check the model provider in the OpenClaw configuration";
        return `OpenClaw could not get an answer from its model: ${clause(error.message)}. ${what}, then send a follow-up.`;
      }
      case "gateway":
        return `The bridge could not reach OpenClaw: ${clause(error.message)}. Check that the OpenClaw gateway is running, then send a follow-up.`;
      case "failed":
        return `OpenClaw failed: ${clause(error.message)}. ${FOLLOW_UP}`;
      default:
        error.code satisfies never;
    }
  }
  if (error instanceof GatewayError) {
    if (error.code === "unauthorized") return "The bridge could not sign in to the OpenClaw gateway: check OPENCLAW_GATEWAY_TOKEN, then send a follow-up.";
    // The gateway refused the turn itself (e.g. no credentials for the model): say why.
    if (error.code === "rejected") return ownerMessage(turnFailure(error.message), model);
    return `The bridge lost its connection to OpenClaw (${clause(error.message)}). ${FOLLOW_UP}`;
  }
  return `The agent failed: ${clause(error instanceof Error ? error.message : String(error)) || "unknown error"}. ${FOLLOW_UP}`;
}

const MODEL_HINTS = /model|provider|\bLLM\b|api key|apikey|authentication|unauthorized|401|403|429|rate limit|quota|econnrefused|fetch failed|no available|credential/i;

/** Classifies a turn's own error text (from the gateway's final answer). */
export function turnFailure(text: string): TurnError {
  return new TurnError(MODEL_HINTS.test(text) ? "model" : "failed", text || "the turn ended with an error");
}
