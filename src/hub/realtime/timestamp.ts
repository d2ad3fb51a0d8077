/**
 * Convex timestamps: a u64 of nanoseconds since the epoch, sent as the base64 of
 * its 8 little-endian bytes. The client only compares them for equality (and
 * `>=` a mutation's ts), but wall-clock based values keep them increasing across
 * hub restarts, which is what a reconnecting client's `maxObservedTimestamp` expects.
 */
const U64_MAX = (1n << 64n) - 1n;
const NS_PER_MS = 1_000_000n;
/** A client's `maxObservedTimestamp` further ahead than this is not believed (a hostile value must not push ours to u64 max). */
const MAX_OBSERVED_LEAD_NS = 3_600_000n * NS_PER_MS;

export function encodeTs(ts: bigint): string {
  if (ts < 0n || ts > U64_MAX) throw new RangeError(`Timestamp ${ts} is not a u64`);
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeBigUInt64LE(ts);
  return bytes.toString("base64");
}

/** The u64 in `text`, or null when it is not the base64 of exactly 8 bytes. */
export function decodeTs(text: string): bigint | null {
  if (!/^[A-Za-z0-9+/]{11}=$/.test(text)) return null;
  return Buffer.from(text, "base64").readBigUInt64LE();
}

/** Hands out strictly increasing timestamps from a millisecond clock. */
export class Timestamps {
  private last = 0n;

  constructor(private readonly now: () => number = Date.now) {}

  next(): bigint {
    const wall = BigInt(Math.floor(this.now())) * NS_PER_MS;
    this.last = wall > this.last ? wall : this.last + 1n;
    return this.last;
  }

  /** Never hand out less than what a client already saw from an earlier hub, within reason. */
  observe(ts: bigint): void {
    const wall = BigInt(Math.floor(this.now())) * NS_PER_MS;
    if (ts > this.last && ts <= wall + MAX_OBSERVED_LEAD_NS) this.last = ts;
  }
}
