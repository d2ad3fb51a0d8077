/**
 * Parses "200ms", "90s", "30m", "2h", "1d" into milliseconds; null if malformed.
 * The unit is required: a bare "1800" would be seconds to some readers and
 * milliseconds to others.
 */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "ms"];
  const ms = Math.round(Number(match[1]) * unit);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}
