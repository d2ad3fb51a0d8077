/**
 * The "Keyboard shortcuts" dialog: every shortcut, by where it works. Modal: the focus goes in, Tab stays in,
 * Escape or Close closes it and gives the focus back to what had it.
 */
import { useEffect, useRef, type KeyboardEvent } from "react";
import { SHORTCUTS, type Shortcut } from "../shortcuts.ts";
import { focusIf } from "./focus.ts";

const GROUPS: Shortcut["group"][] = ["Anywhere", "Board", "Task"];

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  const before = useRef<Element | null>(null);
  useEffect(() => {
    before.current = document.activeElement;
    // showModal makes the rest of the page inert (no click, no focus, hidden from a screen reader).
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
    close.current?.focus();
    return () => {
      if (!focusIf(before.current)) focusIf(document.getElementById("main"));
    };
  }, []);
  const onKeyDown = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onClose();
    } else if (event.key === "Tab") {
      // Round within: past the last control to the first, and back (the browser would go on to its own toolbar).
      const controls = Array.from(event.currentTarget.querySelectorAll<HTMLElement>("button, a[href]"));
      const edge = event.shiftKey ? controls[0] : controls[controls.length - 1];
      if (document.activeElement !== edge && event.currentTarget.contains(document.activeElement)) return;
      event.preventDefault();
      (event.shiftKey ? controls[controls.length - 1] : controls[0])?.focus();
    }
  };
  return (
    <dialog ref={dialog} className="shortcuts" aria-modal="true" aria-labelledby="shortcuts-title"
      onKeyDown={onKeyDown} onCancel={(event) => { event.preventDefault(); onClose(); }}>
      <div className="row spread">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <button type="button" className="secondary" ref={close} onClick={onClose}>Close</button>
      </div>
      {GROUPS.map((group) => (
        <section key={group} aria-labelledby={`shortcuts-${group}`}>
          <h3 id={`shortcuts-${group}`}>{group}</h3>
          <dl>
            {SHORTCUTS.filter((s) => s.group === group).map((s) => (
              <div key={s.keys.join(" ")}>
                <dt>{s.keys.map((k, i) => <span key={k}>{i > 0 && " then "}<kbd>{k}</kbd></span>)}</dt>
                <dd>{s.does}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
      <p className="meta">None works while you type in a field, or with Ctrl, ⌘ or Alt held.</p>
    </dialog>
  );
}
