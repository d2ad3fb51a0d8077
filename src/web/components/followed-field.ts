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

/** The field's text, and the live value it started from: differing from that, the text is the person's. */
export interface FieldState {
  value: string;
  base: string;
}

/** The field once the live value is `live`: followed while untouched, settled when the two agree, else left as typed. */
export function settle(state: FieldState, live: string): FieldState {
  if (live === state.base) return state;
  if (state.value === state.base) return { value: live, base: live };
  if (state.value === live) return { value: live, base: live };
  return state;
}

/** The live value, when it changed elsewhere after the person began editing and differs from their words; else null. */
export function theirs(state: FieldState, live: string): string | null {
  return live !== state.base && state.value !== state.base && state.value !== live ? live : null;
}

export interface FollowedField {
  value: string;
  set: (value: string) => void;
  theirs: string | null;
  /** Their value into the field, which follows the live value again. */
  useTheirs: () => void;
}

/** The field over `state`, kept by the caller (`update` changes it), when the live value is `live`. */
export function followedField(state: FieldState, live: string, update: (change: (was: FieldState) => FieldState) => void): FollowedField {
  return {
    value: state.value,
    set: (value) => update((was) => settle({ value, base: was.base }, live)),
    theirs: theirs(state, live),
    useTheirs: () => update(() => ({ value: live, base: live })),
  };
}

export function useFollowedField(live: string): FollowedField {
  const [state, setState] = useState<FieldState>({ value: live, base: live });
  useEffect(() => setState((was) => settle(was, live)), [live]);
  return followedField(state, live, setState);
}
