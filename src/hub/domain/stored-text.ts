/**
 * What an agent says is kept whatever it holds. PostgreSQL cannot store a NUL (U+0000) in text,
 * and tool output (a binary file printed) may carry one: each becomes U+FFFD, the replacement
 * character, on both databases, rather than the whole comment or result being refused.
 */
export function storableText(text: string): string;
export function storableText(text: string | undefined): string | undefined;
export function storableText(text: string | undefined): string | undefined {
  return text?.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}
