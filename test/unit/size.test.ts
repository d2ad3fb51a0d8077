import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatSize, parseSize } from "../../src/hub/domain/size.ts";

describe("parseSize", () => {
  it("reads bytes and binary units, fractions and blanks included", () => {
    assert.equal(parseSize("1GiB"), 1024 ** 3);
    assert.equal(parseSize("500MiB"), 500 * 1024 ** 2);
    assert.equal(parseSize("1.5 KiB"), 1536);
    assert.equal(parseSize(" 270B "), 270);
    assert.equal(parseSize("2TiB"), 2 * 1024 ** 4);
  });

  it("answers null for a bare number, decimal or lower-case units, and sizes that round to nothing", () => {
    for (const text of ["", "1024", "1GB", "1gib", "1G", "-1MiB", "0B", "0.1B", "1e3B", "GiB", "Infinity B"]) {
      assert.equal(parseSize(text), null, JSON.stringify(text));
    }
  });
});

describe("formatSize", () => {
  it("says bytes in the largest unit that keeps a number of at least 1", () => {
    assert.deepEqual([900, 1024, 1536, 1024 ** 3, 1023.5 * 1024 ** 2].map(formatSize), ["900 B", "1 KiB", "1.5 KiB", "1 GiB", "1023.5 MiB"]);
  });
});
