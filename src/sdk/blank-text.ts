/**
 * Whether text shows nothing: only white space (any of Unicode's), characters that render as nothing
 * (default-ignorable code points: zero-width spaces and joiners, the BOM, soft hyphens, bidi marks,
 * variation selectors, Hangul fillers, tags), control characters, or the blank braille pattern, which
 * renders as a space. Such a comment, title or name reads as empty, so it is refused as an empty one is:
 * the hub (hub/services/required-text.ts), the web UI's Send buttons and the worker (which posts no such
 * progress, and completes with its default summary instead of such a one) share this one rule.
 */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\u2800]*$/u;

export function isBlank(text: string): boolean {
  return INVISIBLE_ONLY.test(text);
}
