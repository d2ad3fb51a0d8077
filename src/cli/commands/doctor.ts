import { parseArgs } from "node:util";
import { checkGateway, checkModel, checkSubscription, checkToken, type CheckResult } from "../../bridge/checks.ts";
import { resolveBridgeConfig, type BridgeFlags } from "../../bridge/config.ts";
import { UsageError } from "../main.ts";
import { bridgeFlags } from "./bridge.ts";

/** `doctor`: checks each link the bridge needs and says how to fix what fails. Exit 1 if any fails. */
export async function doctorCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: bridgeFlags, allowPositionals: true, strict: true });
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const config = resolveBridgeConfig(values as BridgeFlags);
  const results: CheckResult[] = [];
  for (const check of [() => checkToken(config), () => checkSubscription(config), () => checkGateway(config), () => checkModel(config)]) {
    const result = await check();
    results.push(result);
    console.log(`${result.ok ? "✓" : "✗"} ${result.name}: ${result.detail}`);
    if (!result.ok && result.fix) console.log(`    fix: ${result.fix}`);
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
