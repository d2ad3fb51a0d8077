/**
 * `text` cut to at most `max` UTF-16 units, an ellipsis marking the cut. Never between the two
 * halves of a character (an emoji): a lone half is no text, and an API may refuse or mangle it.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 2] ?? "") ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}
