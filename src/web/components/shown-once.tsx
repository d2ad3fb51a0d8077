/** A secret the hub shows this once (an agent's token, an invite or sign-in link): copy it, then it is gone. */
import { useState, type ReactNode } from "react";

export function ShownOnce({ label, text, testId, className, onDone, children }: {
  label: string;
  text: string;
  testId: string;
  className?: string;
  onDone: () => void;
  /** What it is and where it goes. */
  children: ReactNode;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <section className={`token-once ${className ?? ""}`} role="region" aria-label={label}>
      {children}
      <pre><code data-testid={testId}>{text}</code></pre>
      <div className="row">
        <button type="button" onClick={() => {
          void navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false));
        }}>{copied ? "Copied" : "Copy"}</button>
        <button type="button" className="secondary" onClick={onDone}>Done</button>
      </div>
      <p className="sr-only" aria-live="polite">{copied ? "Copied to the clipboard" : ""}</p>
    </section>
  );
}
