/** A comment on a task: Markdown, @mentions of agents (each a chip that adds one), Ctrl+Enter posts. The words are the caller's, kept in the tab. */
import { api } from "../api.ts";
import { submitOnModEnter } from "./keys.ts";
import { ErrorNote } from "./states.tsx";
import { useAction } from "./use-action.ts";

export function CommentBox({ taskId, agentNames, body, setBody }: {
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
