import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { uploadUrlsIn } from "../../src/hub/domain/upload-urls.ts";

const ID = `upl_${"0123456789abcdefghjkmn"}`;
const KEY = "Ab3_-".repeat(6) + "xy";

describe("uploadUrlsIn", () => {
  it("finds each upload URL once, on any origin, in Markdown or a bare URL", () => {
    const texts = [`![shot](http://127.0.0.1:3210/files/${ID}/${KEY}) and again https://hub.example.com/files/${ID}/${KEY}.`, `/files/${ID}/${KEY}`];
    assert.deepEqual(uploadUrlsIn(texts), [{ id: ID, key: KEY }]);
  });

  it("takes nothing that is not exactly an id and a key", () => {
    for (const text of [
      "no files here", `/files/${ID}/${KEY}x`, `/files/${ID}/${KEY.slice(1)}`, `/files/upl_short/${KEY}`, `/files/${ID.toUpperCase()}/${KEY}`, `/file/${ID}/${KEY}`,
    ]) {
      assert.deepEqual(uploadUrlsIn([text]), [], text);
    }
  });
});
