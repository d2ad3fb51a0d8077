/**
 * `text` cut to at most `max` UTF-16 units, an ellipsis marking the cut. Never between the two
 * halves of a character (an emoji): a lone half is no text, and an API may refuse or mangle it.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 2] ?? "") ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/**
 * `text` within `max` UTF-16 units: past it, cut (as `clip` does) and followed by a note that says so and how long
 * the whole was, so a reader does not take the cut text for all of it.
 */
export function clipNoted(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = `\n(Cut short: the whole text had ${text.length.toLocaleString("en-US")} characters, more than the ${max.toLocaleString("en-US")} a message takes.)`;
  return `${clip(text, max - note.length)}${note}`;
}
