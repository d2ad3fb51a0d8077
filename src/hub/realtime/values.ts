/**
 * Convex values on the wire (what `convexToJson` / `jsonToConvex` do in the client).
 * Every query result is encoded here before it is sent: the client throws inside
 * its socket handler on a value it cannot decode, which kills a Node agent, so a
 * bad value must fail here and become a QueryFailed instead.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class ValueError extends Error {
  override readonly name = "ValueError";
}

const MAX_FIELD_NAME = 1024;
const MAX_DEPTH = 64;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Why the client would reject `key` as an object field name, or null when it is fine. */
export function fieldNameProblem(key: string): string | null {
  if (key.length > MAX_FIELD_NAME) return `exceeds ${MAX_FIELD_NAME} characters`;
  if (key.startsWith("$")) return "starts with '$', which is reserved";
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 32 || c > 126) return `has invalid character ${JSON.stringify(key[i])}: only non-control ASCII is allowed`;
  }
  return null;
}

const quoted = (key: string) => JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);

function le64(write: (b: Buffer) => void): string {
  const b = Buffer.allocUnsafe(8);
  write(b);
  return b.toString("base64");
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value` in Convex's JSON form; throws a ValueError for anything the client would refuse. */
export function encodeValue(value: unknown, depth = 0): JsonValue {
  if (depth > MAX_DEPTH) throw new ValueError(`Value is nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      // NaN, ±Infinity and -0 do not survive JSON: Convex sends them as raw f64 bytes.
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $float: le64((b) => b.writeDoubleLE(value)) };
    case "bigint":
      if (value < INT64_MIN || value > INT64_MAX) throw new ValueError(`BigInt ${value} does not fit in an int64`);
      return { $integer: le64((b) => b.writeBigInt64LE(value)) };
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) {
        return value.map((item, i) => {
          if (item === undefined) throw new ValueError(`undefined is not a valid Convex value (array index ${i})`);
          return encodeValue(item, depth + 1);
        });
      }
      if (value instanceof ArrayBuffer) return { $bytes: Buffer.from(value).toString("base64") };
      if (ArrayBuffer.isView(value)) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
      if (!isPlainObject(value)) throw new ValueError(`${value.constructor?.name ?? "This object"} is not a plain object`);
      const entries: [string, JsonValue][] = [];
      for (const [key, field] of Object.entries(value)) {
        const problem = fieldNameProblem(key);
        if (problem) throw new ValueError(`Field name ${quoted(key)} ${problem}`);
        // The client's decoder assigns fields (`out[k] = v`): this one would set the prototype, and the field would be gone.
        if (key === "__proto__") throw new ValueError("Field name \"__proto__\" cannot reach the client: its decoder would make it the prototype");
        if (field !== undefined) entries.push([key, encodeValue(field, depth + 1)]);
      }
      // fromEntries defines own properties, so a "__proto__" key stays data.
      return Object.fromEntries(entries);
    }
    default:
      throw new ValueError(`${typeof value} is not a valid Convex value`);
  }
}

/** A value from the wire (e.g. query args) in its JavaScript form; throws a ValueError when malformed. */
export function decodeValue(json: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new ValueError(`Value is nested deeper than ${MAX_DEPTH} levels`);
  if (json === null || typeof json === "string" || typeof json === "boolean") return json;
  if (typeof json === "number") return json;
  if (Array.isArray(json)) return json.map((item) => decodeValue(item, depth + 1));
  if (typeof json !== "object") throw new ValueError(`${typeof json} is not JSON`);
  const keys = Object.keys(json);
  if (keys.length === 1 && keys[0]!.startsWith("$")) return decodeSpecial(keys[0]!, (json as Record<string, unknown>)[keys[0]!]);
  const entries: [string, unknown][] = [];
  for (const key of keys) {
    const problem = fieldNameProblem(key);
    if (problem) throw new ValueError(`Field name ${quoted(key)} ${problem}`);
    entries.push([key, decodeValue((json as Record<string, unknown>)[key], depth + 1)]);
  }
  return Object.fromEntries(entries);
}

function bytesOf(text: unknown, what: string): Buffer {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new ValueError(`Malformed ${what}`);
  return Buffer.from(text, "base64");
}

function decodeSpecial(key: string, field: unknown): unknown {
  switch (key) {
    case "$bytes":
      return new Uint8Array(bytesOf(field, "$bytes"));
    case "$integer": {
      const b = bytesOf(field, "$integer");
      if (b.length !== 8) throw new ValueError("Malformed $integer: expected 8 bytes");
      return b.readBigInt64LE();
    }
    case "$float": {
      const b = bytesOf(field, "$float");
      if (b.length !== 8) throw new ValueError("Malformed $float: expected 8 bytes");
      return b.readDoubleLE();
    }
    default:
      throw new ValueError(`Field name ${quoted(key)} starts with '$', which is reserved`);
  }
}
