import type { ReactNode } from "react";
import { renderMarkdown } from "../markdown.ts";
import { navigate } from "../router.ts";
import type { RunStatus } from "../types.ts";

// Geometric shapes and symbols every common UI font has (an emoji such as ⏳ showed as a box where none is installed).
const RUN_ICON: Record<RunStatus, string> = { PENDING: "○", RUNNING: "◐", FINISHED: "✓", ERROR: "⚠", STOPPED: "◼" };

/** A task not done past its due date (isOverdue): said in words, not by colour alone. */
export function OverdueBadge() {
  return <span className="badge overdue">Overdue</span>;
}

export function RunBadge({ status }: { status: RunStatus }) {
  return <span className={`badge run-${status.toLowerCase()}`} data-run-status={status}><span aria-hidden="true">{RUN_ICON[status]} </span>{status}</span>;
}

/** Sanitized HTML from Markdown (see markdown.ts); nothing else is ever set as HTML. */
export function Markdown({ source, className }: { source: string; className?: string }) {
  return <div className={`markdown ${className ?? ""}`} dangerouslySetInnerHTML={{ __html: renderMarkdown(source) }} />;
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a href={to} className={className} onClick={(event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      navigate(to);
    }}>{children}</a>
  );
}
