/** Notifications: newest first, unread marked; mark one or all read; older ones on asking. */
import { useState } from "react";
import { api } from "../api.ts";
import { Link } from "../components/bits.tsx";
import { Empty, ErrorNote, LiveView } from "../components/states.tsx";
import { usePageTitle } from "../components/page-title.ts";
import { useAction } from "../components/use-action.ts";
import { formatTime } from "../format.ts";
import { useLive } from "../live.ts";
import type { NotificationView } from "../types.ts";

/** Shown at first, and added by each "Show older", up to the hub's bound. */
const PAGE = 50;
const MAX = 1000;

export function Notifications() {
  const [limit, setLimit] = useState(PAGE);
  const live = useLive<{ unread: number; items: NotificationView[] }>("notifications", { limit }, { keepPrevious: true });
  const mark = useAction();
  usePageTitle("Notifications");
  return (
    <section aria-labelledby="notifications-title">
      <LiveView live={live} what="notifications">
        {({ unread, items }) => (
          <>
            <div className="row spread">
              <h1 id="notifications-title">Notifications <span className="count">{unread} unread</span></h1>
              <button type="button" className="secondary" disabled={unread === 0 || mark.busy}
                onClick={() => void mark.run(() => api.markAllRead(items[0]!.id))}>Mark all read</button>
            </div>
            {mark.error && <ErrorNote error={mark.error} />}
            {items.length === 0 ? <Empty>No notifications.</Empty> : (
              <ul className="notifications">
                {items.map((n) => (
                  <li key={n.id} className={n.readAt === null ? "unread" : ""} data-notification-id={n.id}>
                    <div>
                      <strong>{n.actor?.name ?? "Someone"}</strong> · {n.type.replace(/_/g, " ")}
                      {n.taskId && <> on <Link to={`/tasks/${n.taskId}`}>{n.taskTitle ?? "a task"}</Link></>}
                      <span className="meta"> · {formatTime(n.createdAt)}</span>
                    </div>
                    {n.body && <p className="excerpt">{n.body.length > 200 ? `${n.body.slice(0, 200)}…` : n.body}</p>}
                    {n.readAt === null && (
                      <button type="button" className="link" onClick={() => void mark.run(() => api.markRead([n.id]))}>Mark read</button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {items.length === limit && limit < MAX && (
              <button type="button" className="secondary" onClick={() => setLimit(limit + PAGE)}>Show older</button>
            )}
          </>
        )}
      </LiveView>
    </section>
  );
}
