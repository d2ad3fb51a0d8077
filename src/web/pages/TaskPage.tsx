/** One task: details, delegate, the runs as a timeline, and the activity feed, all live. */
import { useEffect, useRef, useState } from "react";
import { api } from "../api.ts";
import { Link } from "../components/bits.tsx";
import { CommentBox } from "../components/comment-box.tsx";
import { Delegate } from "../components/delegate.tsx";
import { isKept, useDraft, useKeptForm } from "../components/draft.ts";
import { ActivityFeed, FEED_MAX, FEED_PAGE } from "../components/activity-feed.tsx";
import { RunTimeline } from "../components/run-timeline.tsx";
import { Details } from "../components/task-details.tsx";
import { parseTaskEdit, unsavedText } from "../components/task-edit.ts";
import { ShownOnce } from "../components/shown-once.tsx";
import { usePageTitle } from "../components/page-title.ts";
import { ErrorNote, LiveView } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";
import { useLive } from "../live.ts";
import { leave } from "../router.ts";
import { useShortcut } from "../shortcuts.ts";
import type { AgentWithRuns, MeView, TaskView } from "../types.ts";

export function TaskPage({ taskId, unread, viewed, projectName }: {
  taskId: string;
  /** The person's unread notifications (about any task): while there are some, those about this one are marked read. */
  unread: number;
  /** Told the task's project once it shows: the board `g b` goes to. */
  viewed: (projectId: string) => void;
  projectName: (projectId: string) => string | undefined;
}) {
  const [activityLimit, setActivityLimit] = useState(FEED_PAGE);
  const live = useLive<TaskView>("task", { taskId, activityLimit }, { keepPrevious: true });
  // Once older entries were asked for, new ones widen the window instead of sliding it: the oldest shown, which the
  // person went up to read, stay on the page while a run posts.
  const count = live.status === "ready" ? live.data.activityCount : undefined;
  const seenCount = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (count === undefined) return;
    const grew = seenCount.current === undefined ? 0 : count - seenCount.current;
    seenCount.current = count;
    if (grew > 0 && activityLimit > FEED_PAGE) setActivityLimit((limit) => Math.min(limit + grew, FEED_MAX));
  }, [count, activityLimit]);
  usePageTitle(live.status === "ready" ? live.data.title : live.status === "error" ? "Not found" : null);
  useNotificationsRead(taskId, live.status === "ready", unread);
  const projectId = live.status === "ready" ? live.data.projectId : null;
  useEffect(() => {
    if (projectId) viewed(projectId);
  }, [projectId, viewed]);
  const agents = useLive<AgentWithRuns[]>("agents");
  // Who is signed in: their own comments get Edit and Delete.
  const me = useLive<MeView>("me");
  const agentList = agents.status === "ready" ? agents.data : [];
  // The task as last shown: once it is gone (deleted, or its workspace left), the way back to its board.
  const shown = useRef<TaskView | null>(null);
  if (live.status === "ready") shown.current = live.data;
  // The comment being written lives here, not in its box: should the task go, the words are not lost with it.
  // Kept in the tab too: going to another page and back, or a reload, finds it still there.
  const [draft, setDraft] = useDraft(`comment:${taskId}`);
  const notFound = live.status === "error" && live.code === "NOT_FOUND";
  // Gone while shown, or gone while the tab was elsewhere with words kept for it: either way this tab knew it.
  if (notFound && (shown.current || draft || isKept(`edit:${taskId}`))) {
    // Its board, while it is still one of theirs (a workspace left takes the board with the task).
    const board = shown.current && projectName(shown.current.projectId) !== undefined ? shown.current.projectId : undefined;
    return (
      <>
        <ErrorNote error="This task no longer exists, or you are no longer in its workspace." />
        {draft.trim() && (
          <ShownOnce label="Your comment, not posted" text={draft} testId="unposted-comment" onDone={() => setDraft("")}>
            <p>You were writing this comment when the task went: copy it to keep it.</p>
          </ShownOnce>
        )}
        <UnsavedEdit taskId={taskId} />
        {board ? <Link to={`/projects/${board}`}>Back to {projectName(board)}</Link> : <Link to="/">Back to your boards</Link>}
      </>
    );
  }
  return (
    <LiveView live={live} what="task">
      {(task) => (
        <article className="task-page" aria-labelledby="task-title">
          {/* The way back to this task's own board: the brand goes to the first project, which may be another. */}
          <nav aria-label="Breadcrumb" className="crumbs">
            <Link to={`/projects/${task.projectId}`}>← {projectName(task.projectId) ?? "Board"}</Link>
          </nav>
          <TaskHeader task={task} />
          <div className="task-grid">
            <div>
              <Details task={task} />
              <section aria-labelledby="activity-title">
                <h2 id="activity-title">Activity</h2>
                <ActivityFeed taskId={task.id} me={me.status === "ready" ? me.data.id : null} activity={task.activity} total={task.activityCount} limit={activityLimit}
                  onMore={() => setActivityLimit(Math.min(activityLimit + FEED_PAGE, FEED_MAX))} />
                <CommentBox taskId={task.id} workspaceId={task.workspaceId} agents={agentList} body={draft} setBody={setDraft} />
              </section>
            </div>
            <aside>
              <Delegate taskId={task.id} agents={agentList} />
              <RunTimeline runs={task.runs} workspaceId={task.workspaceId} agents={agentList} />
            </aside>
          </div>
        </article>
      )}
    </LiveView>
  );
}

/**
 * The task's edit form, as it was left when the task went (kept in the tab, draft.ts): what was typed, offered
 * with Copy as an unposted comment is, and forgotten on Done; an edit with nothing typed is forgotten at once.
 */
function UnsavedEdit({ taskId }: { taskId: string }) {
  const [edit, setEdit] = useKeptForm(`edit:${taskId}`, parseTaskEdit);
  const text = unsavedText(edit);
  useEffect(() => {
    if (edit && text === null) setEdit(null);
  }, [edit, text, setEdit]);
  if (text === null) return null;
  return (
    <ShownOnce label="Your edit, not saved" text={text} testId="unsaved-edit" onDone={() => setEdit(null)}>
      <p>You were editing this task when it went: copy your words to keep them.</p>
    </ShownOnce>
  );
}

/**
 * The task on screen is the news its notifications bring: they are marked read once it shows, and again as
 * more come while it stays open (the bell's count going up says so). A mark that fails only leaves them unread.
 */
function useNotificationsRead(taskId: string, shown: boolean, unread: number): void {
  useEffect(() => {
    if (shown && unread > 0) api.markTaskRead(taskId).catch(() => undefined);
  }, [taskId, shown, unread]);
}

function TaskHeader({ task }: { task: TaskView }) {
  const save = useAction();
  const remove = useAction();
  const status = useRef<HTMLSelectElement>(null);
  useShortcut("status", () => status.current?.focus());
  async function deleteTask() {
    if (!window.confirm(`Delete “${task.title}” with its activity and runs? This cannot be undone.`)) return;
    if (await remove.run(() => api.deleteTask(task.id))) leave(`/tasks/${task.id}`, `/projects/${task.projectId}`);
  }
  return (
    <header className="task-header">
      <h1 id="task-title">{task.title}</h1>
      <div className="row">
        <label>Status{" "}
          <select aria-label="Status" ref={status} value={task.status} disabled={save.busy} onChange={(e) => void save.run(() => api.editTask(task.id, { status: e.target.value }))}>
            <option value="todo">To do</option><option value="doing">Doing</option><option value="done">Done</option>
          </select>
        </label>
        <button type="button" className="danger" disabled={remove.busy} onClick={() => void deleteTask()}>Delete task</button>
      </div>
      {save.error && <ErrorNote error={save.error} />}
      {remove.error && <ErrorNote error={remove.error} />}
    </header>
  );
}
