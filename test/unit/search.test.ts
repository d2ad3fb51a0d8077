import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ftsPhrase, likeContains, parseSearchText } from "../../src/hub/domain/search.ts";
import { HubError } from "../../src/hub/errors.ts";

describe("search text", () => {
  it("is trimmed, and absent when not given", () => {
    assert.equal(parseSearchText("  login\t"), "login");
    assert.equal(parseSearchText(undefined), undefined);
  });

  it("is refused blank or over 200 characters, counted as code points", () => {
    for (const raw of ["", " \n ", "x".repeat(201)]) assert.throws(() => parseSearchText(raw), (e) => e instanceof HubError && e.status === 400);
    assert.equal(parseSearchText("😀".repeat(200)), "😀".repeat(200)); // 400 UTF-16 units
  });

  it("becomes a LIKE pattern with its wildcards and escape character taken literally", () => {
    assert.equal(likeContains("50% of a_b\\c"), "%50\\% of a\\_b\\\\c%");
  });

  it("becomes one FTS5 phrase, its quotes doubled, so no word in it is an operator", () => {
    assert.equal(ftsPhrase('say "hi" OR NOT x*'), '"say ""hi"" OR NOT x*"');
  });
});
