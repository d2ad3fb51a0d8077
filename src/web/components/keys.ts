/** Keys the text boxes share. */
import type { KeyboardEvent } from "react";

/**
 * Ctrl+Enter (⌘Enter on a Mac) in a text area sends its form, as a click on its submit button would:
 * never while that button is disabled (empty, or already sending). Enter alone stays a new line.
 */
export function submitOnModEnter(event: KeyboardEvent<HTMLTextAreaElement>): void {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  event.preventDefault();
  event.currentTarget.form?.querySelector<HTMLButtonElement>('button[type="submit"]')?.click();
}
