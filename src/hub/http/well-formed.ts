/**
 * JSON may spell a lone UTF-16 surrogate (`"\ud83d"`, half of an emoji cut by a client's `slice`),
 * which is no Unicode text: each database kept it differently (SQLite as three U+FFFD, PostgreSQL
 * as one, an image's name as the escape itself, which strict JSON parsers then refuse), and the
 * answer showed it as sent. Each becomes U+FFFD as the body is parsed, so what is kept, answered
 * and served is the same well-formed text everywhere, and nothing sent is refused for it.
 */

// Only an escape can make one: raw bytes that are no UTF-8 are already U+FFFD once decoded.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The parsed `value` of JSON `text`, its strings (keys too) well-formed. */
export function wellFormedJson(text: string, value: unknown): unknown {
  return SURROGATE_ESCAPE.test(text) ? wellFormed(value) : value;
}

function wellFormed(value: unknown): unknown {
  if (typeof value === "string") return value.replace(LONE_SURROGATE, "\uFFFD");
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === "object") {
    // fromEntries defines each key as JSON.parse does (an own "__proto__" stays a plain field).
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [wellFormed(key) as string, wellFormed(item)]));
  }
  return value;
}
