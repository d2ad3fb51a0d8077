/** Notifications: newest first, unread marked; mark one or all read; older ones on asking. */
import { useRef, useState } from "react";
import { api } from "../api.ts";
import { Link } from "../components/bits.tsx";
import { useFocusOnMore } from "../components/focus.ts";
import { Empty, ErrorNote, LiveView } from "../components/states.tsx";
import { usePageTitle } from "../components/page-title.ts";
import { useAction } from "../components/use-action.ts";
import { formatTime, truncate } from "../format.ts";
import { useLive } from "../live.ts";
import { notificationSentence } from "../../hub/domain/notification-text.ts";
import type { MeView, NotificationView } from "../types.ts";

/** Shown at first, and added by each "Show older", up to the hub's bound. */
const PAGE = 50;
const MAX = 1000;

export function Notifications() {
  const [limit, setLimit] = useState(PAGE);
  const live = useLive<{ unread: number; items: NotificationView[] }>("notifications", { limit }, { keepPrevious: true });
  const mark = useAction();
  // The same subscription as the header's: the workspaces a notification about one links to.
  const me = useLive<MeView>("me");
  const workspaces = me.status === "ready" ? me.data.workspaces : [];
  usePageTitle("Notifications");
  // Marked read, what had the focus goes (a Mark read) or is disabled (Mark all read): it goes to the notification, or the heading.
  const heading = useRef<HTMLHeadingElement>(null);
  const markAll = async (upTo: string) => {
    if (await mark.run(() => api.markAllRead(upTo))) heading.current?.focus();
  };
  const markOne = async (id: string, item: HTMLElement | null) => {
    if (await mark.run(() => api.markRead([id]))) item?.focus();
  };
  // Show older: the focus goes to the first of the older ones as they come (each row takes it: tabIndex -1).
  const older = useFocusOnMore<HTMLUListElement>(live.status === "ready" ? live.data.items.length : 0);
  return (
    <section aria-labelledby="notifications-title">
      <LiveView live={live} what="notifications">
        {({ unread, items }) => (
          <>
            <div className="row spread">
              <h1 id="notifications-title" tabIndex={-1} ref={heading}>Notifications <span className="count">{unread} unread</span></h1>
              <button type="button" className="secondary" disabled={unread === 0 || mark.busy}
                onClick={() => void markAll(items[0]!.id)}>Mark all read</button>
            </div>
            {mark.error && <ErrorNote error={mark.error} />}
            {items.length === 0 ? <Empty>No notifications.</Empty> : (
              <ul className="notifications" ref={older.list}>
                {items.map((n) => (
                  <li key={n.id} className={n.readAt === null ? "unread" : ""} data-notification-id={n.id} tabIndex={-1}>
                    <div>
                      <Sentence notification={n} workspace={workspaces.find((w) => w.id === n.workspaceId)} />
                      <span className="meta"> · {formatTime(n.createdAt)}</span>
                    </div>
                    {n.body && <p className="excerpt">{truncate(n.body, 200, "…")}</p>}
                    {n.readAt === null && (
                      <button type="button" className="link" onClick={(event) => void markOne(n.id, event.currentTarget.closest("li"))}>Mark read</button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {items.length === limit && limit < MAX && (
              <button type="button" className="secondary" onClick={() => {
                older.more();
                setLimit(limit + PAGE);
              }}>Show older</button>
            )}
          </>
        )}
      </LiveView>
    </section>
  );
}

/** Who did what to which task, the task (and a workspace it is about) a link; the actor's name stands out. */
function Sentence({ notification: n, workspace }: { notification: NotificationView; workspace: MeView["workspaces"][number] | undefined }) {
  const parts = notificationSentence(n, n.taskId === null ? workspace?.name : undefined);
  const who = n.actor?.name ?? "Someone";
  return <>{parts.map((part, i) => {
    if (typeof part === "string") {
      return i === 0 && part.startsWith(who) ? <span key={i}><strong>{who}</strong>{part.slice(who.length)}</span> : <span key={i}>{part}</span>;
    }
    if ("workspace" in part) return workspace ? <WorkspaceLink key={i} workspace={workspace} /> : <span key={i}>{part.workspace}</span>;
    const title = part.task === null ? "a task" : part.task;
    const link = n.taskId === null ? title : <Link to={`/tasks/${n.taskId}`}>{title}</Link>;
    return part.task === null ? <span key={i}>{link}</span> : <span key={i}>“{link}”</span>;
  })}</>;
}

/** A workspace a notification is about (tasks handed over to you there): its first project's board, where its tasks are. */
function WorkspaceLink({ workspace }: { workspace: MeView["workspaces"][number] }) {
  const first = workspace.projects[0];
  return first ? <Link to={`/projects/${first.id}`}>{workspace.name}</Link> : <>{workspace.name}</>;
}
