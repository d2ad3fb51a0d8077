/**
 * Cost derivation. A task's runs are its turns; `totalCostUsd` is the running
 * total over them, in the order they report costs (two agents' turns on one task
 * can end in either order). Given only a step: total = previous total + step. Given only
 * a total: step = total − previous total, unless that is negative (a total kept by
 * the agent, not over the task: the step cannot be known, so none is recorded).
 * Given both: both as sent. Given neither: nothing is recorded.
 */
export interface CostInput {
  stepCostUsd?: number | undefined;
  totalCostUsd?: number | undefined;
}

export interface Cost {
  stepCostUsd: number | null;
  totalCostUsd: number | null;
}

// Sums of binary floats drift (0.1 + 0.2); dollars are kept to a nano-dollar.
const round = (usd: number) => Math.round(usd * 1e9) / 1e9;

export function deriveCost(input: CostInput, previousTotalUsd: number): Cost {
  const { stepCostUsd: step, totalCostUsd: total } = input;
  if (step !== undefined && total !== undefined) return { stepCostUsd: step, totalCostUsd: total };
  if (step !== undefined) return { stepCostUsd: step, totalCostUsd: round(previousTotalUsd + step) };
  if (total !== undefined) {
    const derived = round(total - previousTotalUsd);
    return { stepCostUsd: derived >= 0 ? derived : null, totalCostUsd: total };
  }
  return { stepCostUsd: null, totalCostUsd: null };
}
