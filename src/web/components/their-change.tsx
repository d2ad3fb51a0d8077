/** What a field was changed to elsewhere while it was being edited here (useFollowedField), with the way to take it. */
import type { FollowedField } from "./followed-field.ts";
import { truncate } from "../format.ts";

/** Longer values (a description) are cut short here: the field gets the whole of it. */
const SHOWN = 80;

export function TheirChange({ field }: { field: FollowedField }) {
  if (field.theirs === null) return null;
  const shown = truncate(field.theirs, SHOWN, "…");
  return (
    <p className="meta their-change" role="status">
      Changed elsewhere to {shown ? `“${shown}”` : "nothing"}{" — "}
      <button type="button" className="link" onClick={field.useTheirs}>Use theirs</button>
    </p>
  );
}
