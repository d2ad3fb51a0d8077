/** A task's activity feed: comments and status changes, older ones a page at a time, new ones read out; your own comments editable. */
import { type RefObject, useEffect, useLayoutEffect, useRef, useState } from "react";
import { formatTime, truncate } from "../format.ts";
import { renderMarkdown } from "../markdown.ts";
import type { Activity, FeedEntry } from "../types.ts";
import { Markdown } from "./bits.tsx";
import { OwnComment } from "./own-comment.tsx";
import { Empty } from "./states.tsx";

/** Feed entries shown at first, and how many more each "Show older" adds, up to the hub's bound. */
export const FEED_PAGE = 100;
export const FEED_MAX = 2000;

/**
 * Where the entry that was first on the list sat when older ones were asked for: once
 * they arrive above it, the page scrolls by as much as it moved, so what was read stays put.
 */
function useKeptInPlace(list: RefObject<HTMLOListElement | null>, firstId: string | undefined): () => void {
  const kept = useRef<{ id: string; top: number } | null>(null);
  useLayoutEffect(() => {
    const was = kept.current;
    if (!was || was.id === firstId) return;
    kept.current = null;
    const item = list.current?.querySelector(`[data-activity-id="${was.id}"]`);
    if (item) window.scrollBy(0, item.getBoundingClientRect().top - was.top);
  }, [list, firstId]);
  return () => {
    const item = firstId ? list.current?.querySelector(`[data-activity-id="${firstId}"]`) : null;
    kept.current = item && firstId ? { id: firstId, top: item.getBoundingClientRect().top } : null;
  };
}

/** What a status change did, up to its arrow: a run's or the task's status, or the task's owner (from and to are names). */
function changed(item: Activity): string {
  if (item.subject === "owner") return `changed the owner from ${item.from ?? "no one"}`;
  const what = item.subject === "task" ? "task" : "run";
  return item.from === null ? `opened a ${what}` : `moved the ${what} ${item.from}`;
}

/** An entry as words to hear: who, and what they wrote or did. */
function spoken(item: Activity): string {
  if (item.type === "status_change") return `${item.author.name} ${changed(item)} → ${item.to}${item.body ? ` — ${item.body}` : ""}`;
  const text = new DOMParser().parseFromString(renderMarkdown(item.body), "text/html").body.textContent?.trim() ?? "";
  return `${item.author.name}: ${truncate(text, 300, "…")}`;
}

/**
 * The entries that came after the newest one already shown, in words, for a live region: not the feed
 * itself, where the hundred older entries "Show older" brings would all be read out too.
 */
function useNewEntriesSpoken(activity: Activity[]): string {
  const newest = useRef<string | null | undefined>(undefined);
  const [said, setSaid] = useState("");
  useEffect(() => {
    const was = newest.current;
    newest.current = activity.at(-1)?.id ?? null;
    // Ids sort by creation: an older newest entry (yours deleted) is nothing new to read out.
    if (was === undefined || newest.current === was || (was !== null && (newest.current ?? "") < was)) return;
    const from = was === null ? -1 : activity.findIndex((item) => item.id === was);
    // Gone from the window (more came at once than it holds): the newest alone.
    setSaid((from === -1 && was !== null ? activity.slice(-1) : activity.slice(from + 1)).map(spoken).join("\n"));
  }, [activity]);
  return said;
}

/** A comment `me` may edit and delete: their own, posted on the task (a follow-up's message is its run's prompt). */
const isOwn = (item: FeedEntry, me: string | null) => item.author.kind === "user" && item.author.id === me && item.runId === null;

export function ActivityFeed({ taskId, me, activity, total, limit, onMore }: {
  taskId: string;
  /** The signed-in person's id (null until known). */
  me: string | null;
  activity: FeedEntry[];
  total: number;
  limit: number;
  onMore: () => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  const keep = useKeptInPlace(list, activity[0]?.id);
  const said = useNewEntriesSpoken(activity);
  const heard = <p className="sr-only" aria-live="polite">{said}</p>;
  if (activity.length === 0) return <>{heard}<Empty>No activity yet.</Empty></>;
  const hidden = total - activity.length;
  return (
    <>
      {heard}
      {hidden > 0 && (limit < FEED_MAX ? (
        <button type="button" className="secondary more" onClick={() => { keep(); onMore(); }}>
          Show {Math.min(hidden, FEED_PAGE)} older ({hidden} not shown)
        </button>
      ) : <p className="meta">{hidden} older not shown</p>)}
      <ol ref={list} className="activity">
        {activity.map((item) => item.type === "status_change" ? (
          <li key={item.id} className="status-change" data-activity-id={item.id}>
            <span>{item.author.name}</span> {changed(item)}
            {" "}→ <strong>{item.to}</strong>{item.body && <span className="why"> — {item.body}</span>}
            <time dateTime={new Date(item.createdAt).toISOString()}> · {formatTime(item.createdAt)}</time>
          </li>
        ) : (
          <li key={item.id} className={`comment ${item.author.kind === "agent" ? "by-agent" : ""}`} data-activity-id={item.id} data-author-kind={item.author.kind}>
            <div className="comment-head">
              <strong>{item.author.name}</strong>
              {item.author.kind === "agent" && <span className="badge agent">agent</span>}
              <time dateTime={new Date(item.createdAt).toISOString()}>{formatTime(item.createdAt)}</time>
              {item.editedAt !== null && <span className="edited" title={`Edited ${formatTime(item.editedAt)}`}>(edited)</span>}
            </div>
            {isOwn(item, me) ? <OwnComment taskId={taskId} item={item} /> : <Markdown source={item.body} className="comment-body" />}
          </li>
        ))}
      </ol>
    </>
  );
}
