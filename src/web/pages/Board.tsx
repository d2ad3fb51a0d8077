/** A project's board: todo / doing / done, live; filtered by a search kept in the address (`?q=`). */
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api.ts";
import { Link, OverdueBadge, RunBadge } from "../components/bits.tsx";
import { focusIf, focusLost, useFocusOnMore } from "../components/focus.ts";
import { usePageTitle } from "../components/page-title.ts";
import { SearchBox } from "../components/search-box.tsx";
import { Empty, ErrorNote, LiveView } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";
import { isOverdue, today, truncate } from "../format.ts";
import { useLive, useShownView } from "../live.ts";
import { useShortcut } from "../shortcuts.ts";
import { queryParam, replaceQueryParam } from "../router.ts";
import type { BoardTask, BoardView } from "../types.ts";
import { isBlank } from "../../sdk/blank-text.ts";

const COLUMNS = [
  { status: "todo", title: "To do" },
  { status: "doing", title: "Doing" },
  { status: "done", title: "Done" },
] as const;

/** Cards per column at first, and how many more each "Show more" adds, up to the hub's bound. */
const PAGE = 100;
const MAX = 2000;
/** The hub's bound on a search text (GET /tasks?q=, owner:board's q). */
const SEARCH_MAX = 200;

export function Board({ projectId }: { projectId: string }) {
  const [limit, setLimit] = useState(PAGE);
  const [q, setQ] = useState(() => truncate(queryParam("q").trim(), SEARCH_MAX));
  const search = useCallback((text: string) => {
    setQ(text);
    replaceQueryParam("q", text);
  }, []);
  const live = useLive<BoardView>("board", q ? { projectId, limit, q } : { projectId, limit }, { keepPrevious: true });
  usePageTitle(live.status === "ready" ? live.data.project.name : live.status === "error" ? "Not found" : null);
  // The search the cards on screen are of: the last one's stay until this one's come, counted as what they are.
  const shownQ = useShownView(live, q);
  // A card moved: it comes again in its new column (a new element), the focus dropped with the old one; it goes to
  // the card's Move field there once the card is, whichever comes first of the hub's answer and the live update.
  const [moved, setMoved] = useState<{ id: string; to: string } | null>(null);
  useEffect(() => {
    if (!moved) return;
    const field = document.querySelector(`[data-column="${moved.to}"] [data-task-id="${moved.id}"] select`);
    if (!field) return;
    setMoved(null);
    if (focusLost()) focusIf(field);
  }, [moved, live]);
  return (
    <LiveView live={live} what="project">
      {(board) => (
        <section aria-labelledby="board-title">
          <h1 id="board-title">{board.project.name}</h1>
          {board.project.description && <p className="project-description">{board.project.description}</p>}
          <NewTask projectId={projectId} />
          <SearchBox label="Search tasks" initial={q} onSearch={search} maxLength={SEARCH_MAX} shortcut="search" />
          <p className="meta" role="status">{shownQ !== q ? "Searching…" : ""}</p>
          <div className="board">
            {COLUMNS.map((column) => (
              <Column key={column.status} column={column} tasks={board.tasks.filter((t) => t.status === column.status)}
                total={board.counts[column.status]} searched={shownQ !== ""} onMoved={(id, to) => setMoved({ id, to })}
                onMore={limit < MAX ? () => setLimit(Math.min(limit + PAGE, MAX)) : null} />
            ))}
          </div>
        </section>
      )}
    </LiveView>
  );
}

function Column({ column, tasks, total, searched, onMoved, onMore }: {
  column: (typeof COLUMNS)[number];
  tasks: BoardTask[];
  total: number;
  searched: boolean;
  onMoved: (id: string, to: string) => void;
  /** Shows more cards; null at the hub's bound. */
  onMore: (() => void) | null;
}) {
  // Show more: the focus goes to the first card it brings.
  const more = useFocusOnMore<HTMLUListElement>(tasks.length, "a");
  return (
    <section className="column" aria-labelledby={`col-${column.status}`} data-column={column.status}>
      <h2 id={`col-${column.status}`}>{column.title} <span className="count">{searched ? `${total} ${total === 1 ? "match" : "matches"}` : total}</span></h2>
      {tasks.length === 0 ? <Empty>{searched ? "No matches." : "Nothing here."}</Empty> : (
        <ul className="cards" ref={more.list}>{tasks.map((task) => <Card key={task.id} task={task} onMoved={onMoved} />)}</ul>
      )}
      {total > tasks.length && (onMore ? (
        <button type="button" className="secondary more" onClick={() => { more.more(); onMore(); }}>
          Show more ({total - tasks.length} not shown)
        </button>
      ) : <p className="meta">{total - tasks.length} more not shown</p>)}
    </section>
  );
}

function Card({ task, onMoved }: { task: BoardTask; onMoved: (id: string, to: string) => void }) {
  const move = useAction();
  return (
    <li className="card" data-task-id={task.id}>
      <Link to={`/tasks/${task.id}`} className="card-title">{task.title}</Link>
      <div className="meta">
        {task.dueDate && <span>Due {task.dueDate}{isOverdue(task, today()) && <> <OverdueBadge /></>}</span>}
        {task.latestRun && <span>{task.latestRun.agentName} <RunBadge status={task.latestRun.status} /></span>}
      </div>
      <label className="move">
        <span className="sr-only">Move “{task.title}” to</span>
        <select value={task.status} disabled={move.busy} onChange={(e) => {
          const to = e.target.value;
          void move.run(async () => {
            await api.editTask(task.id, { status: to });
            onMoved(task.id, to);
          });
        }}>
          {COLUMNS.map((c) => <option key={c.status} value={c.status}>{c.title}</option>)}
        </select>
      </label>
      {move.error && <ErrorNote error={move.error} />}
    </li>
  );
}

function NewTask({ projectId }: { projectId: string }) {
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [dueDate, setDueDate] = useState("");
  const create = useAction();
  // What the last Add task did, for a screen reader (the card comes in a column the person may not be on).
  const [said, setSaid] = useState("");
  const titleInput = useRef<HTMLInputElement>(null);
  useShortcut("create", () => titleInput.current?.focus());
  return (
    <form className="new-task" aria-label="New task" onSubmit={async (event) => {
      event.preventDefault();
      const added = title.trim();
      setSaid("");
      const ok = await create.run(() => api.createTask({ projectId, title: added, description, dueDate: dueDate || null }));
      if (!ok) return;
      setSaid(`Added “${added}” to ${COLUMNS[0].title}.`);
      setTitle(""); setDescription(""); setDueDate("");
      // Ready for the next one (the button, disabled while it sent, had dropped the focus).
      titleInput.current?.focus();
    }}>
      <label>Title <input ref={titleInput} name="title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={500} /></label>
      <label>Description <textarea name="description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} /></label>
      <label>Due date <input name="dueDate" type="date" value={dueDate} onChange={(e) => setDueDate(e.target.value)} /></label>
      <button type="submit" disabled={create.busy || isBlank(title)}>Add task</button>
      <p className="meta" role="status">{said}</p>
      {create.error && <ErrorNote error={create.error} />}
    </form>
  );
}
