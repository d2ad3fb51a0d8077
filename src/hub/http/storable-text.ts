/**
 * JSON may spell text that no database keeps as sent: a NUL (`"\u0000"`: PostgreSQL cannot store
 * one and refused the whole request, where SQLite kept it) or a lone UTF-16 surrogate (`"\ud83d"`,
 * half an emoji a client's `slice` cut: SQLite kept three U+FFFD, PostgreSQL one, an image's name the
 * escape itself, which strict JSON parsers then refuse). Each becomes U+FFFD as a body is parsed, on
 * both APIs: what is kept, answered and served is the same on both databases, and nothing sent (an
 * agent's result holding tool output) is refused for it.
 */

// Only an escape can make one: JSON has no raw control characters, and bytes that are no UTF-8 are U+FFFD once decoded.
const ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;
// A NUL is just what this looks for.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text from elsewhere than a JSON body (a query string's), made storable the same way. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, "\uFFFD");
}

/** The parsed `value` of JSON `text`, its strings (keys too) storable. */
export function storableJson(text: string, value: unknown): unknown {
  return ESCAPE.test(text) ? storable(value) : value;
}

function storable(value: unknown): unknown {
  if (typeof value === "string") return storableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === "object") {
    // fromEntries defines each key as JSON.parse does (an own "__proto__" stays a plain field).
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storable(key) as string, storable(item)]));
  }
  return value;
}
