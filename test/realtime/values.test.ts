import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { convexToJson, jsonToConvex } from "convex/values";
import fc from "fast-check";
import { decodeValue, encodeValue, fieldNameProblem, ValueError } from "../../src/hub/realtime/values.ts";

describe("Convex value encoding", () => {
  it("passes plain JSON through and drops undefined fields, as convexToJson does", () => {
    const value = { a: 1, b: "x", c: [true, null], d: { e: 2 }, f: undefined };
    assert.deepEqual(encodeValue(value), { a: 1, b: "x", c: [true, null], d: { e: 2 } });
  });

  it("encodes bigint, bytes and special floats exactly like the client", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    for (const value of [5n, -(2n ** 63n), 2n ** 63n - 1n, bytes.buffer, NaN, Infinity, -Infinity, -0, 1.5]) {
      assert.deepEqual(encodeValue(value), convexToJson(value as never), String(value));
    }
    assert.deepEqual(encodeValue(bytes), convexToJson(bytes.buffer));
  });

  it("round-trips through the client's decoder", () => {
    const value = { n: 3n, f: NaN, z: -0, list: [{ ok: true }], __proto__key: "x" };
    const decoded = jsonToConvex(encodeValue(value)) as Record<string, unknown>;
    assert.equal(decoded.n, 3n);
    assert.ok(Number.isNaN(decoded.f));
    assert.ok(Object.is(decoded.z, -0));
  });

  it("rejects every field name the client would throw on", () => {
    for (const key of ["naïve", "$id", "tab\there", "x".repeat(1025), "emoji😀"]) {
      assert.throws(() => encodeValue({ [key]: 1 }), ValueError, key);
      assert.throws(() => encodeValue([{ nested: { [key]: 1 } }]), ValueError, key);
      assert.notEqual(fieldNameProblem(key), null);
    }
    for (const key of ["", " ", "~", "x".repeat(1024), "runId"]) assert.equal(fieldNameProblem(key), null, key);
  });

  it("rejects what is not a Convex value", () => {
    for (const value of [undefined, () => 1, Symbol("s"), new Date(), new Map(), [undefined], 2n ** 63n]) {
      assert.throws(() => encodeValue(value), ValueError);
    }
    const deep: unknown[] = [];
    let cursor = deep;
    for (let i = 0; i < 100; i++) cursor.push((cursor = []));
    assert.throws(() => encodeValue(deep), ValueError);
  });

  it("keeps a __proto__ key as data on both sides", () => {
    const json = JSON.parse('{"__proto__": {"polluted": true}}');
    const decoded = decodeValue(json) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.deepEqual(Object.keys(decoded), ["__proto__"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("refuses a field named __proto__ in a result: the client's decoder would make it the prototype and lose the field", () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 2}');
    assert.throws(() => encodeValue(value), ValueError);
    assert.throws(() => encodeValue([{ nested: value }]), ValueError);
  });

  it("sends every value so that the client's decoder gives it back unchanged", () => {
    // Field names the client accepts, with ones a decoder may treat specially (not __proto__: refused, above).
    const name = fc.string({ unit: "grapheme-ascii", maxLength: 12 }).filter((k) => !k.startsWith("$") && k !== "__proto__");
    const key = fc.oneof(name, fc.constantFrom("_id", "_creationTime", "constructor", "toString", ""));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.constant(null), fc.boolean(), fc.double(), fc.string({ unit: "binary" }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.uint8Array({ maxLength: 16 }).map((bytes) => bytes.slice().buffer),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(key, tie("value"), { maxKeys: 4, noNullPrototype: true }),
      ),
    }));
    fc.assert(fc.property(value, (v) => {
      assert.deepEqual(jsonToConvex(JSON.parse(JSON.stringify(encodeValue(v)))), v);
    }), { numRuns: 500 });
  });

  it("decodes args the client encoded", () => {
    const args = convexToJson({ big: 5n, bytes: new Uint8Array([1, 2]).buffer, f: Infinity, token: "gca_x" });
    const decoded = decodeValue(args) as Record<string, unknown>;
    assert.equal(decoded.big, 5n);
    assert.deepEqual([...(decoded.bytes as Uint8Array)], [1, 2]);
    assert.equal(decoded.f, Infinity);
    assert.equal(decoded.token, "gca_x");
  });

  it("refuses malformed wire values", () => {
    for (const json of [{ $integer: "AQ==" }, { $integer: 5 }, { $float: "AAAAAAAA8D8=x" }, { $set: [] }, { $unknown: 1 }, { "naïve": 1 }]) {
      assert.throws(() => decodeValue(json), ValueError, JSON.stringify(json));
    }
  });
});
