/** What a field was changed to elsewhere while it was being edited here (useFollowedField), with the way to take it. */
import type { FollowedField } from "./followed-field.ts";

/** Longer values (a description) are cut short here: the field gets the whole of it. */
const SHOWN = 80;

export function TheirChange({ field }: { field: FollowedField }) {
  if (field.theirs === null) return null;
  const shown = field.theirs.length > SHOWN ? `${field.theirs.slice(0, SHOWN)}…` : field.theirs;
  return (
    <p className="meta their-change" role="status">
      Changed elsewhere to {shown ? `“${shown}”` : "nothing"}{" — "}
      <button type="button" className="link" onClick={field.useTheirs}>Use theirs</button>
    </p>
  );
}
