import { randomBytes } from "node:crypto";

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

export type IdPrefix = "usr" | "agt" | "ws" | "prj" | "task" | "run" | "act" | "ntf" | "tok";

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else {
    counter++; // same (or an earlier) millisecond: keep order with the counter
  }
  const random = randomBytes(8);
  let tail = "";
  for (const byte of random) tail += ALPHABET[byte % 32];
  return `${prefix}_${base32(lastMs, 10)}${base32(counter, 4)}${tail}`;
}
