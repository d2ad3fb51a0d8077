/** Display helpers, pure. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatUsd(usd: number | null): string {
  if (usd === null) return "—";
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A run's duration: started → ended, or → now while it runs. */
export function runDuration(run: { startedAt: number | null; endedAt: number | null }, now: number): number | null {
  if (run.startedAt === null) return null;
  return (run.endedAt ?? now) - run.startedAt;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * `text` cut to at most `max` UTF-16 units (the strictest way a bound is counted: by the browser's `maxLength`, a
 * schema's by code points), between characters as a person sees them: never through an emoji, a surrogate pair
 * (half of one is not text, and strict JSON parsers refuse it) or a letter and its accent. Cut, `mark` goes after it.
 */
export function truncate(text: string, max: number, mark = ""): string {
  if (text.length <= max) return text;
  let end = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return text.slice(0, end) + mark;
}

/** Today as a due date is written (`YYYY-MM-DD`), in the person's own time zone: a due date is a day of theirs. */
export function today(now = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

/** A task not done whose due date is past (before `today`; due today is not late yet). */
export function isOverdue(task: { dueDate: string | null; status: string }, todayIs: string): boolean {
  return task.dueDate !== null && task.status !== "done" && task.dueDate < todayIs;
}
