import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newId } from "../../src/hub/domain/ids.ts";

const SHAPE = /^[a-z]+_[0-9a-hjkmnp-tv-z]{22}$/;

describe("ids", () => {
  it("are the prefix, an underscore and 22 lowercase Crockford base32 characters (time, counter, random)", () => {
    for (const prefix of ["usr", "agt", "ws", "prj", "task", "run", "act", "ntf", "tok"] as const) {
      const id = newId(prefix);
      assert.ok(id.startsWith(`${prefix}_`), id);
      assert.match(id, SHAPE);
    }
  });

  it("sort by creation across milliseconds", () => {
    const base = Date.now() + 1_000;
    const ids = [0, 1, 2, 1_000, 86_400_000].map((offset) => newId("run", base + offset));
    assert.deepEqual([...ids].sort(), ids);
  });

  it("sort by creation within one millisecond, and when the clock steps back", () => {
    const at = Date.now() + 100_000_000;
    const ids = [...Array.from({ length: 500 }, () => newId("act", at)), newId("act", at - 5_000), newId("act", at - 1)];
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
  });

  it("are unique over many", () => {
    const ids = Array.from({ length: 20_000 }, () => newId("ntf"));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
  });

  it("encode the creation time in their leading characters", () => {
    const later = Date.now() + 200_000_000;
    const a = newId("task", later);
    const b = newId("task", later + 1);
    assert.equal(a.slice(5, 15) < b.slice(5, 15), true);
  });

  // Last: it moves the ids' clock far ahead, and the tests above rely on reaching it.
  it("keep sorting past the 1,048,576 a millisecond's counter holds", () => {
    const at = Date.now() + 300_000_000;
    let previous = newId("act", at);
    for (let i = 0; i < 32 ** 4 + 10; i++) {
      const id = newId("act", at);
      assert.ok(id > previous, `${id} after ${previous}`);
      previous = id;
    }
  });
});
