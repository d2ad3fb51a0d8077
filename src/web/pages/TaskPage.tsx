/** One task: details, delegate, the runs as a timeline, and the activity feed, all live. */
import { type RefObject, useEffect, useLayoutEffect, useRef, useState } from "react";
import { isActive, isEnded } from "../../sdk/run-state.ts";
import { api } from "../api.ts";
import { Link, Markdown, RunBadge } from "../components/bits.tsx";
import { renderMarkdown } from "../markdown.ts";
import { ImageUpload } from "../components/image-upload.tsx";
import { ShownOnce } from "../components/shown-once.tsx";
import { submitOnModEnter } from "../components/keys.ts";
import { usePageTitle } from "../components/page-title.ts";
import { Empty, ErrorNote, LiveView } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";
import { formatDuration, formatTime, formatUsd, runDuration } from "../format.ts";
import { useLive } from "../live.ts";
import { navigate } from "../router.ts";
import type { Activity, AgentWithRuns, MemberView, RunListItem, TaskView } from "../types.ts";

/** Feed entries shown at first, and how many more each "Show older" adds, up to the hub's bound. */
const PAGE = 100;
const MAX = 2000;

export function TaskPage({ taskId, unread, projectName }: {
  taskId: string;
  /** The person's unread notifications (about any task): while there are some, those about this one are marked read. */
  unread: number;
  projectName: (projectId: string) => string | undefined;
}) {
  const [activityLimit, setActivityLimit] = useState(PAGE);
  const live = useLive<TaskView>("task", { taskId, activityLimit }, { keepPrevious: true });
  // Once older entries were asked for, new ones widen the window instead of sliding it: the oldest shown, which the
  // person went up to read, stay on the page while a run posts.
  const count = live.status === "ready" ? live.data.activityCount : undefined;
  const seenCount = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (count === undefined) return;
    const grew = seenCount.current === undefined ? 0 : count - seenCount.current;
    seenCount.current = count;
    if (grew > 0 && activityLimit > PAGE) setActivityLimit((limit) => Math.min(limit + grew, MAX));
  }, [count, activityLimit]);
  usePageTitle(live.status === "ready" ? live.data.title : live.status === "error" ? "Not found" : null);
  useNotificationsRead(taskId, live.status === "ready", unread);
  const agents = useLive<AgentWithRuns[]>("agents");
  const agentList = agents.status === "ready" ? agents.data : [];
  // The task as last shown: once it is gone (deleted, or its workspace left), the way back to its board.
  const shown = useRef<TaskView | null>(null);
  if (live.status === "ready") shown.current = live.data;
  const gone = live.status === "error" && live.code === "NOT_FOUND" ? shown.current : null;
  // The comment being written lives here, not in its box: should the task go, the words are not lost with it.
  const [draft, setDraft] = useState("");
  if (gone) {
    return (
      <>
        <ErrorNote error="This task no longer exists, or you are no longer in its workspace." />
        {draft.trim() && (
          <ShownOnce label="Your comment, not posted" text={draft} testId="unposted-comment" onDone={() => setDraft("")}>
            <p>You were writing this comment when the task went: copy it to keep it.</p>
          </ShownOnce>
        )}
        <Link to={`/projects/${gone.projectId}`}>Back to {projectName(gone.projectId) ?? "the board"}</Link>
      </>
    );
  }
  return (
    <LiveView live={live} what="task">
      {(task) => (
        <article className="task-page" aria-labelledby="task-title">
          <TaskHeader task={task} />
          <div className="task-grid">
            <div>
              <Details task={task} />
              <section aria-labelledby="activity-title">
                <h2 id="activity-title">Activity</h2>
                <ActivityFeed activity={task.activity} total={task.activityCount} limit={activityLimit}
                  onMore={() => setActivityLimit(Math.min(activityLimit + PAGE, MAX))} />
                <CommentBox taskId={task.id} agentNames={agentList.map((a) => a.name)} body={draft} setBody={setDraft} />
              </section>
            </div>
            <aside>
              <Delegate taskId={task.id} agents={agentList} />
              <RunTimeline runs={task.runs} />
            </aside>
          </div>
        </article>
      )}
    </LiveView>
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
  async function deleteTask() {
    if (!window.confirm(`Delete “${task.title}” with its activity and runs? This cannot be undone.`)) return;
    if (await remove.run(() => api.deleteTask(task.id))) navigate(`/projects/${task.projectId}`, { replace: true });
  }
  return (
    <header className="task-header">
      <h1 id="task-title">{task.title}</h1>
      <div className="row">
        <label>Status{" "}
          <select aria-label="Status" value={task.status} disabled={save.busy} onChange={(e) => void save.run(() => api.editTask(task.id, { status: e.target.value }))}>
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

function Details({ task }: { task: TaskView }) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(task.title);
  const [description, setDescription] = useState(task.description);
  const [dueDate, setDueDate] = useState(task.dueDate ?? "");
  const [imageUrl, setImageUrl] = useState("");
  const save = useAction();
  // The task as it was when the form was filled: if it changes meanwhile, someone else edited it.
  const [base, setBase] = useState("");
  const now = JSON.stringify([task.title, task.description, task.dueDate ?? ""]);
  const fill = () => {
    setTitle(task.title); setDescription(task.description); setDueDate(task.dueDate ?? ""); setBase(now);
  };
  // Leaving the form (saved or not), the focus goes back to the button that opened it, not to the page's top.
  const editButton = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  useEffect(() => {
    if (editing || !refocus.current) return;
    refocus.current = false;
    editButton.current?.focus();
  }, [editing]);
  const stopEditing = () => {
    refocus.current = true;
    setEditing(false);
  };
  if (editing) {
    return (
      <form className="details" aria-label="Edit task" onSubmit={async (event) => {
        event.preventDefault();
        if (await save.run(() => api.editTask(task.id, { title: title.trim(), description, dueDate: dueDate || null }))) stopEditing();
      }} onKeyDown={(event) => {
        if (event.key !== "Escape") return;
        event.preventDefault();
        stopEditing();
      }}>
        {/* Not while saving: this form's own save comes back live too. */}
        {base !== now && !save.busy && (
          <p className="meta" role="status">
            Someone changed this task since you began editing: saving puts these words in place of theirs.{" "}
            <button type="button" className="link" onClick={fill}>Use theirs</button>
          </p>
        )}
        <label>Title <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={500} autoFocus /></label>
        <label>Description (Markdown) <textarea rows={6} value={description} onChange={(e) => setDescription(e.target.value)} onKeyDown={submitOnModEnter} /></label>
        <label>Due date <input type="date" value={dueDate} onChange={(e) => setDueDate(e.target.value)} /></label>
        <div className="row">
          <button type="submit" disabled={save.busy || !title.trim()}>Save</button>
          <button type="button" className="secondary" onClick={stopEditing}>Cancel</button>
        </div>
        {save.error && <ErrorNote error={save.error} />}
      </form>
    );
  }
  return (
    <section className="details" aria-label="Details">
      <p className="meta">
        Created by {task.creator.name} · {formatTime(task.createdAt)} · {task.dueDate ? <>Due <time dateTime={task.dueDate}>{task.dueDate}</time></> : "No due date"}
      </p>
      <OwnerPicker task={task} />
      {task.description ? <Markdown source={task.description} /> : <Empty>No description.</Empty>}
      <ImageUpload task={task}>
        {task.images.length > 0 && (
          <ul className="images">
            {task.images.map((image, i) => (
              <li key={`${image.url}-${i}`}>
                <a href={image.url} target="_blank" rel="noopener noreferrer"><img src={image.url} alt={image.name || "Task image"} loading="lazy" /></a>
                <button type="button" className="link" aria-label={`Remove image ${image.name || i + 1}`}
                  onClick={() => void save.run(() => api.removeImage(task.id, image.url))}>Remove</button>
              </li>
            ))}
          </ul>
        )}
        <form className="row" aria-label="Add image" onSubmit={async (event) => {
          event.preventDefault();
          const url = imageUrl.trim();
          if (await save.run(() => api.addImages(task.id, [{ url, name: url.split("/").pop() ?? "" }]))) setImageUrl("");
        }}>
          <label className="grow">Image URL <input type="url" value={imageUrl} onChange={(e) => setImageUrl(e.target.value)} placeholder="https://…" /></label>
          <button type="submit" className="secondary" disabled={!imageUrl.trim() || save.busy}>Add image</button>
        </form>
      </ImageUpload>
      <button type="button" className="secondary" ref={editButton} onClick={() => {
        fill();
        setEditing(true);
      }}>Edit task</button>
      {save.error && <ErrorNote error={save.error} />}
    </section>
  );
}

/** Whose task it is: any person of its workspace. */
function OwnerPicker({ task }: { task: TaskView }) {
  const members = useLive<MemberView[]>("members", { workspaceId: task.workspaceId });
  const save = useAction();
  const people = members.status === "ready" ? members.data : [{ id: task.owner.id, name: task.owner.name }];
  return (
    <label className="owner">Owner{" "}
      <select value={task.owner.id} disabled={save.busy || members.status !== "ready"}
        onChange={(e) => void save.run(() => api.editTask(task.id, { ownerId: e.target.value }))}>
        {people.some((p) => p.id === task.owner.id) ? null : <option value={task.owner.id}>{task.owner.name} (no longer a member)</option>}
        {people.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
      </select>
      {save.error && <ErrorNote error={save.error} />}
    </label>
  );
}

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

/** An entry as words to hear: who, and what they wrote or did. */
function spoken(item: Activity): string {
  if (item.type === "status_change") {
    const what = item.subject === "task" ? "task" : "run";
    return `${item.author.name} ${item.from === null ? `opened a ${what}` : `moved the ${what} ${item.from}`} → ${item.to}${item.body ? ` — ${item.body}` : ""}`;
  }
  const text = new DOMParser().parseFromString(renderMarkdown(item.body), "text/html").body.textContent?.trim() ?? "";
  return `${item.author.name}: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
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
    if (was === undefined || newest.current === was) return;
    const from = was === null ? -1 : activity.findIndex((item) => item.id === was);
    // Gone from the window (more came at once than it holds): the newest alone.
    setSaid((from === -1 && was !== null ? activity.slice(-1) : activity.slice(from + 1)).map(spoken).join("\n"));
  }, [activity]);
  return said;
}

function ActivityFeed({ activity, total, limit, onMore }: { activity: Activity[]; total: number; limit: number; onMore: () => void }) {
  const list = useRef<HTMLOListElement>(null);
  const keep = useKeptInPlace(list, activity[0]?.id);
  const said = useNewEntriesSpoken(activity);
  const heard = <p className="sr-only" aria-live="polite">{said}</p>;
  if (activity.length === 0) return <>{heard}<Empty>No activity yet.</Empty></>;
  const hidden = total - activity.length;
  return (
    <>
      {heard}
      {hidden > 0 && (limit < MAX ? (
        <button type="button" className="secondary more" onClick={() => { keep(); onMore(); }}>
          Show {Math.min(hidden, PAGE)} older ({hidden} not shown)
        </button>
      ) : <p className="meta">{hidden} older not shown</p>)}
      <ol ref={list} className="activity">
        {activity.map((item) => item.type === "status_change" ? (
          <li key={item.id} className="status-change" data-activity-id={item.id}>
            <span>{item.author.name}</span> {item.from === null ? `opened a ${item.subject === "task" ? "task" : "run"}` : `moved the ${item.subject === "task" ? "task" : "run"} ${item.from}`}
            {" "}→ <strong>{item.to}</strong>{item.body && <span className="why"> — {item.body}</span>}
            <time dateTime={new Date(item.createdAt).toISOString()}> · {formatTime(item.createdAt)}</time>
          </li>
        ) : (
          <li key={item.id} className={`comment ${item.author.kind === "agent" ? "by-agent" : ""}`} data-activity-id={item.id} data-author-kind={item.author.kind}>
            <div className="comment-head">
              <strong>{item.author.name}</strong>
              {item.author.kind === "agent" && <span className="badge agent">agent</span>}
              <time dateTime={new Date(item.createdAt).toISOString()}>{formatTime(item.createdAt)}</time>
            </div>
            <Markdown source={item.body} className="comment-body" />
          </li>
        ))}
      </ol>
    </>
  );
}

function CommentBox({ taskId, agentNames, body, setBody }: {
  taskId: string;
  agentNames: string[];
  body: string;
  setBody: (update: string | ((body: string) => string)) => void;
}) {
  const post = useAction();
  return (
    <form className="comment-box" aria-label="Comment" onSubmit={async (event) => {
      event.preventDefault();
      if (await post.run(() => api.comment(taskId, body))) setBody("");
    }}>
      <label htmlFor="comment-body">Comment (Markdown; @mention an agent to delegate to it; Ctrl+Enter posts)</label>
      <textarea id="comment-body" rows={3} value={body} onChange={(e) => setBody(e.target.value)} onKeyDown={submitOnModEnter} />
      {agentNames.length > 0 && (
        <div className="mentions" role="group" aria-label="Mention an agent">
          {agentNames.map((name) => (
            <button key={name} type="button" className="chip" onClick={() => setBody((b) => `${b}${b && !b.endsWith(" ") ? " " : ""}@${name} `)}>@{name}</button>
          ))}
        </div>
      )}
      <button type="submit" disabled={post.busy || !body.trim()}>Post comment</button>
      {post.error && <ErrorNote error={post.error} />}
    </form>
  );
}

function Delegate({ taskId, agents }: { taskId: string; agents: AgentWithRuns[] }) {
  const [agentId, setAgentId] = useState("");
  const [prompt, setPrompt] = useState("");
  const send = useAction();
  // The one picked while it is on the list (someone may delete it meanwhile), else the list's first: what the select shows.
  const chosen = agents.some((a) => a.id === agentId) ? agentId : agents[0]?.id ?? "";
  return (
    <form className="delegate" aria-labelledby="delegate-title" onSubmit={async (event) => {
      event.preventDefault();
      if (await send.run(() => api.delegate(taskId, chosen, prompt.trim() || undefined))) setPrompt("");
    }}>
      <h2 id="delegate-title">Delegate</h2>
      {agents.length === 0 ? <Empty>No agents yet: create one on the Agents page.</Empty> : (
        <>
          <label>Agent
            <select value={chosen} onChange={(e) => setAgentId(e.target.value)}>
              {agents.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
            </select>
          </label>
          <label>Prompt (optional) <textarea rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} onKeyDown={submitOnModEnter} /></label>
          <button type="submit" disabled={send.busy || !chosen}>Delegate</button>
        </>
      )}
      {send.error && <ErrorNote error={send.error} />}
    </form>
  );
}

/** A clock for the duration of running runs; it only redraws, it never fetches. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function RunTimeline({ runs }: { runs: RunListItem[] }) {
  const now = useNow(runs.some((r) => r.status === "RUNNING"));
  const total = [...runs].reverse().find((r) => r.totalCostUsd !== null)?.totalCostUsd ?? null;
  return (
    <section className="runs" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      {runs.length === 0 ? <Empty>Not delegated yet.</Empty> : (
        <ol className="timeline">
          {runs.map((run, i) => <RunItem key={run.id} run={run} turn={i + 1} now={now} />)}
        </ol>
      )}
      <p className="total" data-testid="task-total">Task total: <strong>{formatUsd(total)}</strong></p>
    </section>
  );
}

function RunItem({ run, turn, now }: { run: RunListItem; turn: number; now: number }) {
  const stop = useAction();
  const follow = useAction();
  const [message, setMessage] = useState("");
  const [following, setFollowing] = useState(false);
  const duration = runDuration(run, now);
  return (
    <li className="run" data-run-id={run.id} data-status={run.status}>
      <div className="run-head">
        <span>Turn {turn} · {run.agent.name}</span>
        <RunBadge status={run.status} />
      </div>
      {run.lastFollowUpMessage ? <p className="prompt">Follow-up: {run.lastFollowUpMessage}</p> : run.prompt && <p className="prompt">Prompt: {run.prompt}</p>}
      <dl className="run-stats">
        <div><dt>Duration</dt><dd>{duration === null ? "not started" : formatDuration(duration)}</dd></div>
        <div><dt>Turn cost</dt><dd>{formatUsd(run.stepCostUsd)}</dd></div>
        <div><dt>Total</dt><dd>{formatUsd(run.totalCostUsd)}</dd></div>
      </dl>
      {isActive(run.status) && (
        <button type="button" className="danger" disabled={stop.busy} onClick={() => void stop.run(() => api.stop(run.id))}>Stop run</button>
      )}
      {isEnded(run.status) && !following && <button type="button" className="secondary" onClick={() => setFollowing(true)}>Follow up</button>}
      {following && (
        <form aria-label="Follow-up" onSubmit={async (event) => {
          event.preventDefault();
          if (await follow.run(() => api.followUp(run.id, message.trim()))) { setMessage(""); setFollowing(false); }
        }} onKeyDown={(event) => { if (event.key === "Escape") setFollowing(false); }}>
          <label>Follow-up message <textarea rows={2} value={message} onChange={(e) => setMessage(e.target.value)} onKeyDown={submitOnModEnter} autoFocus /></label>
          <div className="row">
            <button type="submit" disabled={follow.busy || !message.trim()}>Send follow-up</button>
            <button type="button" className="secondary" onClick={() => setFollowing(false)}>Cancel</button>
          </div>
        </form>
      )}
      {(stop.error || follow.error) && <ErrorNote error={(stop.error ?? follow.error)!} />}
    </li>
  );
}
