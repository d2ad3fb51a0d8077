/**
 * The list `@` opens in a text box: the agents a mention starts a run for and the task's people, filtered as one
 * types. The box keeps the focus (and its textbox role: a textarea may take no other) and points at the list and its
 * chosen option (aria-controls, aria-activedescendant), as a combobox does; a status line says how many there are.
 * Up/Down choose, Enter or Tab picks, Escape closes it (and only it); a click or tap picks.
 */
import { useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import { useLive } from "../live.ts";
import type { MeView, MemberView } from "../types.ts";
import { insertMention, matchingCandidates, mentionCandidates, openMention, type MentionCandidate, type OpenMention } from "./mention-query.ts";

/** Whom a box on a task of `workspaceId` can @mention: `agents` (the signed-in person's) and the workspace's other people. */
export function useMentionCandidates(workspaceId: string, agents: readonly { id: string; name: string }[]): MentionCandidate[] {
  // Both already live on the page (the header's name, the task's Owner list): the client shares each subscription.
  const me = useLive<MeView>("me");
  const members = useLive<MemberView[]>("members", { workspaceId });
  return useMemo(
    () => mentionCandidates(agents, members.status === "ready" ? members.data : [], me.status === "ready" ? me.data.id : null),
    [agents, members, me],
  );
}

/**
 * Under a box: the names the words it last sent @mentioned that more than one goes by (the answer's
 * `ambiguousMentions`), which the hub told no one of. Always on the page, so a screen reader hears them come.
 */
export function UntoldMentions({ names }: { names: readonly string[] }) {
  return (
    <p className="note" role="status">
      {names.length > 0 && `No one was told of ${names.map((n) => `@${n}`).join(", ")}: more than one goes by ${names.length > 1 ? "each of those names" : "that name"}.`}
    </p>
  );
}

export interface MentionPicker {
  /** Spread on the textarea. */
  inputProps: {
    "aria-autocomplete": "list";
    "aria-controls": string | undefined;
    "aria-activedescendant": string | undefined;
    onSelect: () => void;
    onBlur: () => void;
  };
  /** After the text changes: where the caret is now. */
  readCaret: () => void;
  /** The textarea's keys: true when the picker took the key (the box's own handling must not see it). */
  onKeyDown: (event: KeyboardEvent<HTMLTextAreaElement>) => boolean;
  list: React.ReactNode;
}

export function useMentionPicker(
  box: RefObject<HTMLTextAreaElement | null>,
  text: string,
  setText: (text: string) => void,
  candidates: readonly MentionCandidate[],
): MentionPicker {
  const listId = useId();
  const [caret, setCaret] = useState<number | null>(null);
  // The @ Escape closed the list at: it stays closed until another @ is typed.
  const [dismissed, setDismissed] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const moveCaretTo = useRef<number | null>(null);

  const open: OpenMention | null = caret === null ? null : openMention(text, Math.min(caret, text.length));
  const shown = open && open.start !== dismissed ? matchingCandidates(candidates, open.query) : [];
  const pickable = shown.filter((c) => !c.ambiguous);
  const isOpen = shown.length > 0;
  const chosen = pickable.length > 0 ? pickable[Math.min(active, pickable.length - 1)]! : null;
  const optionId = (c: MentionCandidate) => `${listId}-${c.kind}-${c.id}`;

  const query = open?.query ?? null;
  useLayoutEffect(() => setActive(0), [query]);
  useLayoutEffect(() => {
    if (moveCaretTo.current === null || !box.current) return;
    box.current.setSelectionRange(moveCaretTo.current, moveCaretTo.current);
    setCaret(moveCaretTo.current);
    moveCaretTo.current = null;
  });

  function readCaret() {
    const el = box.current;
    setCaret(el && el.selectionStart === el.selectionEnd ? el.selectionStart : null);
  }

  function pick(c: MentionCandidate) {
    if (!open || caret === null || c.ambiguous) return;
    const next = insertMention(text, open, Math.min(caret, text.length), c.name);
    moveCaretTo.current = next.caret;
    setText(next.text);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
    if (!isOpen || event.nativeEvent.isComposing || event.ctrlKey || event.metaKey || event.altKey) return false;
    const step = event.key === "ArrowDown" ? 1 : event.key === "ArrowUp" ? -1 : 0;
    if (step !== 0 && pickable.length > 0) {
      setActive((pickable.indexOf(chosen!) + step + pickable.length) % pickable.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && chosen) {
      pick(chosen);
    } else if (event.key === "Escape") {
      setDismissed(open!.start);
    } else {
      return false;
    }
    event.preventDefault();
    // Escape here closes the list only, not what holds the box.
    event.stopPropagation();
    return true;
  }

  const list = (
    <>
      {isOpen && (
        <ul className="mention-list" id={listId} role="listbox" aria-label="People and agents to mention">
          {shown.map((c) => (
            <li key={optionId(c)} id={optionId(c)} role="option" aria-selected={c === chosen} aria-disabled={c.ambiguous || undefined}
              className={c === chosen ? "active" : undefined}
              // Keeps the focus in the box, so the caret (and where the name goes) stays where it was.
              onMouseDown={(e) => e.preventDefault()} onClick={() => pick(c)}>
              <span className="name">{c.name}</span>{" "}
              <span className="note">
                {c.ambiguous ? "same name as another: tells no one" : c.kind === "agent" ? "your agent · starts a run" : "member · is told"}
              </span>
            </li>
          ))}
        </ul>
      )}
      {/* Always on the page, so a screen reader hears the words when they come. */}
      <p className="sr-only" role="status">
        {isOpen ? `${shown.length} to mention${pickable.length ? ": Up and Down to choose, Enter or Tab to pick, Escape to close" : ""}` : ""}
      </p>
    </>
  );

  return {
    inputProps: {
      "aria-autocomplete": "list",
      "aria-controls": isOpen ? listId : undefined,
      "aria-activedescendant": isOpen && chosen ? optionId(chosen) : undefined,
      onSelect: readCaret,
      // Closed while the focus is elsewhere; back in the box, the caret is read again.
      onBlur: () => setCaret(null),
    },
    readCaret,
    onKeyDown,
    list,
  };
}
