/**
 * A form field over a live value (a project's name in Settings): while the person has not changed it,
 * it follows the value as someone else renames it elsewhere; once they have, their words stay, and
 * `theirs` says what it was changed to elsewhere meanwhile (TheirChange shows it, with "Use theirs").
 *
 *   following ──(typed)──> edited ──(live value changes)──> edited, `theirs` set
 *       ^                    │  (typed back, saved, or "Use theirs":         │
 *       └────────────────────┴── the field and the live value agree again) ──┘
 */
import { useEffect, useState } from "react";

export interface FollowedField {
  value: string;
  set: (value: string) => void;
  /** The live value, when it changed elsewhere after the person began editing and differs from their words; else null. */
  theirs: string | null;
  /** Their value into the field, which follows the live value again. */
  useTheirs: () => void;
}

export function useFollowedField(live: string): FollowedField {
  const [value, set] = useState(live);
  // The live value the field's text started from: differing from it, the field is the person's.
  const [base, setBase] = useState(live);
  const untouched = value === base;
  const agree = value === live;
  useEffect(() => {
    if (live === base) return;
    if (untouched) set(live);
    // Followed, saved here, or typed to the same words: nothing to choose between.
    if (untouched || agree) setBase(live);
  }, [live, base, untouched, agree]);
  return {
    value,
    set,
    theirs: live !== base && !untouched && !agree ? live : null,
    useTheirs: () => {
      set(live);
      setBase(live);
    },
  };
}
