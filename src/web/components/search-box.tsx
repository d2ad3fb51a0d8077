/**
 * A search field that reports its text once typing pauses (~200 ms), so a live
 * query is not re-subscribed at every key. Escape or × clears it at once.
 */
import { useEffect, useId, useRef, useState } from "react";
import { useShortcut, type PageAction } from "../shortcuts.ts";

const PAUSE_MS = 200;

export function SearchBox({ label, initial, onSearch, maxLength, shortcut = null }: {
  label: string;
  initial: string;
  /** The trimmed text, "" when cleared. */
  onSearch: (text: string) => void;
  maxLength?: number;
  /** The keyboard shortcut that puts the focus in it (shortcuts.ts). */
  shortcut?: PageAction | null;
}) {
  const id = useId();
  const [text, setText] = useState(initial);
  const input = useRef<HTMLInputElement>(null);
  useShortcut(shortcut, () => input.current?.focus());
  useEffect(() => {
    const timer = setTimeout(() => onSearch(text.trim()), PAUSE_MS);
    return () => clearTimeout(timer);
  }, [text, onSearch]);
  const clear = () => {
    setText("");
    onSearch("");
  };
  return (
    <div role="search" className="search-box">
      <label htmlFor={id}>{label}</label>
      <input id={id} ref={input} type="search" value={text} maxLength={maxLength} placeholder="Title or description"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => { if (e.key === "Escape") { e.preventDefault(); clear(); } }} />
      {text !== "" && <button type="button" className="secondary clear" aria-label="Clear search" onClick={() => {
        clear();
        // The button goes with the text: the focus goes back in the field, for the next search.
        input.current?.focus();
      }}>×</button>}
    </div>
  );
}
