/**
 * Your own comment in a task's feed: its words, with Edit (inline; Ctrl+Enter saves, Escape cancels, and the focus goes
 * back to Edit) and Delete (after a confirm). An edit tells the people it newly @mentions and never starts an agent's
 * run: the answer says so when the words @mention anyone.
 */
import { useEffect, useId, useRef, useState } from "react";
import { isBlank } from "../../sdk/blank-text.ts";
import { api } from "../api.ts";
import { formatTime } from "../format.ts";
import type { FeedEntry } from "../types.ts";
import { Markdown } from "./bits.tsx";
import { focusIf } from "./focus.ts";
import { submitOnModEnter } from "./keys.ts";
import { ErrorNote } from "./states.tsx";
import { useAction } from "./use-action.ts";

export function OwnComment({ taskId, item }: { taskId: string; item: FeedEntry }) {
  // The words being edited; null: not editing.
  const [text, setText] = useState<string | null>(null);
  const [saidNoRun, setSaidNoRun] = useState(false);
  const save = useAction();
  const remove = useAction();
  const box = useId();
  const editButton = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  useEffect(() => {
    if (text !== null || !refocus.current) return;
    refocus.current = false;
    editButton.current?.focus();
  }, [text]);
  const stop = () => {
    refocus.current = true;
    setText(null);
  };
  const when = formatTime(item.createdAt);

  if (text !== null) {
    return (
      <form className="comment-edit" aria-label={`Edit your comment from ${when}`} onSubmit={async (event) => {
        event.preventDefault();
        if (await save.run(() => api.editComment(taskId, item.id, text))) {
          setSaidNoRun(text.includes("@"));
          stop();
        }
      }} onKeyDown={(event) => {
        if (event.key !== "Escape") return;
        event.preventDefault();
        stop();
      }}>
        <label htmlFor={box}>Your comment (Markdown; Ctrl+Enter saves, Escape cancels)</label>
        <textarea id={box} rows={3} value={text} autoFocus aria-describedby={`${box}-note`}
          onChange={(e) => setText(e.target.value)} onKeyDown={submitOnModEnter} />
        <p className="note" id={`${box}-note`}>People it newly @mentions are told; an edit never starts an agent's run.</p>
        <div className="row">
          <button type="submit" disabled={save.busy || isBlank(text)}>Save</button>
          <button type="button" className="secondary" onClick={stop}>Cancel</button>
        </div>
        {save.error && <ErrorNote error={save.error} />}
      </form>
    );
  }
  return (
    <>
      <Markdown source={item.body} className="comment-body" />
      <div className="comment-actions">
        <button type="button" className="link" ref={editButton} aria-label={`Edit your comment from ${when}`}
          onClick={() => { setSaidNoRun(false); setText(item.body); }}>Edit</button>
        <button type="button" className="link" aria-label={`Delete your comment from ${when}`} disabled={remove.busy} onClick={async () => {
          if (!window.confirm("Delete your comment? This cannot be undone.")) return;
          // Its row goes: the focus goes on to the comment box, not to the page's top.
          if (await remove.run(() => api.deleteComment(taskId, item.id))) focusIf(document.getElementById("comment-body"));
        }}>Delete</button>
      </div>
      <p className="note" role="status">{saidNoRun ? "Saved. An edit starts no agent's run: to delegate, @mention the agent in a new comment." : ""}</p>
      {remove.error && <ErrorNote error={remove.error} />}
    </>
  );
}
