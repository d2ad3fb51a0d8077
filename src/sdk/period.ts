/**
 * A period or timeout option is a number of milliseconds above 0 (`Infinity` included: never). One of 0 or below
 * would make a loop spin (a poll every tick, each an API call), and NaN would either fire at once every time (Node
 * takes it as 1 ms) or never (a comparison with NaN is always false): said at once, when the object is made.
 */
export function checkPeriod(value: number | undefined, name: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value > 0)) {
    throw new RangeError(`${name} must be a number of milliseconds above 0, not ${String(value)}`);
  }
}
