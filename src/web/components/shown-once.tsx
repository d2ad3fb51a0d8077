/** A secret the hub shows this once (an agent's token, an invite or sign-in link): copy it, then it is gone (Done, or Escape). */
import { useEffect, useRef, useState, type ReactNode } from "react";
import { focusIf } from "./focus.ts";

export function ShownOnce({ label, text, testId, className, onDone, returnFocus, children }: {
  label: string;
  text: string;
  testId: string;
  className?: string;
  onDone: () => void;
  /** Where the focus goes on Done (what made it, say); without it, or when that cannot take it, what had it before. */
  returnFocus?: () => Element | null | undefined;
  /** What it is and where it goes. */
  children: ReactNode;
}) {
  // It takes the focus when it comes, and so is in sight (on a phone the button that made it may be a screen away)
  // and next for the keyboard: Copy is one Tab on.
  const region = useRef<HTMLElement>(null);
  const before = useRef<Element | null>(null);
  useEffect(() => {
    before.current = document.activeElement;
    region.current?.focus();
  }, []);
  const done = () => {
    if (!focusIf(returnFocus?.()) && !focusIf(before.current)) focusIf(document.getElementById("main"));
    onDone();
  };
  // "by hand": the browser gave no clipboard (a page over plain http that is not localhost has none) or refused.
  const [copied, setCopied] = useState<"no" | "yes" | "by hand">("no");
  const code = useRef<HTMLElement>(null);
  const selectIt = () => {
    if (!code.current) return;
    const range = document.createRange();
    range.selectNodeContents(code.current);
    window.getSelection()?.removeAllRanges();
    window.getSelection()?.addRange(range);
  };
  return (
    <section className={`token-once ${className ?? ""}`} role="region" aria-label={label} tabIndex={-1} ref={region}
      onKeyDown={(event) => { if (event.key === "Escape") { event.preventDefault(); done(); } }}>
      {children}
      <pre><code ref={code} data-testid={testId}>{text}</code></pre>
      <div className="row">
        <button type="button" onClick={() => {
          const writing = navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject(new Error("no clipboard"));
          writing.then(() => setCopied("yes"), () => {
            selectIt();
            setCopied("by hand");
          });
        }}>{copied === "yes" ? "Copied" : "Copy"}</button>
        <button type="button" className="secondary" onClick={done}>Done</button>
      </div>
      <p className={copied === "by hand" ? "meta" : "sr-only"} aria-live="polite">
        {copied === "yes" ? "Copied to the clipboard" : copied === "by hand" ? "The browser gave no clipboard: it is selected, press Ctrl+C (⌘C) to copy it." : ""}
      </p>
    </section>
  );
}
