import { constants } from "node:os";
import { parseArgs } from "node:util";
import { checkGateway, checkModel, checkSubscription, checkToken, type CheckResult } from "../../bridge/checks.ts";
import { resolveBridgeConfig, type BridgeFlags } from "../../bridge/config.ts";
import { UsageError } from "../main.ts";
import { Shutdown } from "../shutdown.ts";
import { bridgeFlags } from "./bridge.ts";

/**
 * `doctor`: checks each link the bridge needs and says how to fix what fails. Exit 1 if any fails. A SIGINT or
 * SIGTERM ends the check under way at once (OpenClaw's CLI, when it is reading the model, with it), runs no more,
 * and exits 128 + the signal's number (130, 143): the links were not all checked.
 */
export async function doctorCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: bridgeFlags, allowPositionals: true, strict: true });
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const config = resolveBridgeConfig(values as BridgeFlags);
  const shutdown = new Shutdown();
  const { signal } = shutdown;
  const checks = [
    () => checkToken(config, undefined, signal),
    () => checkSubscription(config, undefined, signal),
    () => checkGateway(config, undefined, signal),
    () => checkModel(config, process.env, signal),
  ];
  const results: CheckResult[] = [];
  for (const check of checks) {
    if (signal.aborted) break;
    const result = await check();
    // Ended by the signal: what it found says nothing.
    if (signal.aborted) break;
    results.push(result);
    console.log(`${result.ok ? "✓" : "✗"} ${result.name}: ${result.detail}`);
    if (!result.ok && result.fix) console.log(`    fix: ${result.fix}`);
  }
  if (shutdown.received && results.length < checks.length) {
    console.error(`${shutdown.received}: stopped; ${checks.length - results.length} of the ${checks.length} checks not done`);
    return 128 + constants.signals[shutdown.received];
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
