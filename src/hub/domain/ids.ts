import { randomFillSync } from "node:crypto";

/**
 * Ids are `<prefix>_<time><counter><random>` in Crockford base32: opaque to
 * clients, unique, and sorted by creation (so "ORDER BY id" is creation order,
 * even within one millisecond).
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

let lastMs = -1;
let counter = 0;

function base32(value: number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

export type IdPrefix = "usr" | "agt" | "ws" | "prj" | "task" | "run" | "act" | "ntf" | "tok" | "upl" | "whk";

// Random bytes come from a pool refilled in bulk: one syscall per 512 ids, not per id.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomTail(): string {
  if (poolAt + 8 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  let tail = "";
  for (let i = 0; i < 8; i++) tail += ALPHABET[pool[poolAt++]! % 32];
  return tail;
}

/** Ids one millisecond can hold in its 4-character counter. */
const PER_MS = 32 ** 4;

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter === PER_MS) {
    // A full millisecond (or a clock that stepped back that far) borrows the next one, so order holds.
    lastMs++;
    counter = 0;
  }
  return `${prefix}_${base32(lastMs, 10)}${base32(counter, 4)}${randomTail()}`;
}
