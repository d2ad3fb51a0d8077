/** The `<details>` panels that float over the page (Settings, Members): Escape closes one, as it does a menu. */
import type { KeyboardEvent } from "react";

export function closeOnEscape(event: KeyboardEvent<HTMLDetailsElement>): void {
  const details = event.currentTarget;
  if (event.key !== "Escape" || !details.open) return;
  event.preventDefault();
  details.open = false;
  // Back to what opened it, rather than to nowhere (the focused field goes with the panel).
  details.querySelector("summary")?.focus();
}
