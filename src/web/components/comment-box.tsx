/**
 * A comment on a task: Markdown, @mentions of agents and people (typing `@` opens a picker; each agent also a chip
 * that adds one), Ctrl+Enter posts. The words are the caller's, kept in the tab.
 */
import { useEffect, useRef, useState } from "react";
import { api } from "../api.ts";
import { isBlank } from "../../sdk/blank-text.ts";
import { useShortcut } from "../shortcuts.ts";
import { afterSent } from "./draft.ts";
import { submitOnModEnter } from "./keys.ts";
import { UntoldMentions, useMentionCandidates, useMentionPicker } from "./mention-picker.tsx";
import { ErrorNote } from "./states.tsx";
import { useAction } from "./use-action.ts";

export function CommentBox({ taskId, workspaceId, agents, body, setBody }: {
  taskId: string;
  workspaceId: string;
  agents: readonly { id: string; name: string }[];
  body: string;
  setBody: (update: string | ((body: string) => string)) => void;
}) {
  const post = useAction();
  const candidates = useMentionCandidates(workspaceId, agents);
  const box = useRef<HTMLTextAreaElement>(null);
  useShortcut("reply", () => box.current?.focus());
  const picker = useMentionPicker(box, body, setBody, candidates);
  // Names the last comment @mentioned that more than one goes by: the hub told no one of them.
  const [untold, setUntold] = useState<string[]>([]);
  // An agent's chip clicked: its mention is written at the end, and the focus goes back in the box, after it, to go on typing.
  const toEnd = useRef(false);
  useEffect(() => {
    const el = box.current;
    if (!toEnd.current || !el) return;
    toEnd.current = false;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, [body]);
  return (
    <form className="comment-box" aria-label="Comment" onSubmit={async (event) => {
      event.preventDefault();
      let answer: { ambiguousMentions?: string[] } | undefined;
      const sent = body;
      if (await post.run(async () => { answer = await api.comment(taskId, sent); })) {
        setBody((now) => afterSent(now, sent));
        setUntold(answer?.ambiguousMentions ?? []);
      }
    }}>
      <label htmlFor="comment-body">Comment (Markdown; type @ to mention an agent, which delegates to it, or a person; Ctrl+Enter posts)</label>
      <textarea id="comment-body" ref={box} rows={3} value={body} {...picker.inputProps}
        onChange={(e) => { setBody(e.target.value); picker.readCaret(); setUntold([]); }}
        onKeyDown={(e) => { if (!picker.onKeyDown(e)) submitOnModEnter(e); }} />
      {picker.list}
      {agents.length > 0 && (
        <div className="mentions" role="group" aria-label="Mention an agent">
          {agents.map(({ name }) => (
            <button key={name} type="button" className="chip" onClick={() => {
              toEnd.current = true;
              setBody((b) => `${b}${b && !b.endsWith(" ") ? " " : ""}@${name} `);
            }}>@{name}</button>
          ))}
        </div>
      )}
      <button type="submit" disabled={post.busy || isBlank(body)}>Post comment</button>
      {post.error && <ErrorNote error={post.error} />}
      <UntoldMentions names={untold} />
    </form>
  );
}
