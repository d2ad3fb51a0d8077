/**
 * A follow-up to an ended run: its message, with @mentions picked as in the comment box (mention-picker.tsx: another
 * of your agents gets a run too, a person of the workspace is told). Ctrl+Enter sends; Escape closes the list when it
 * is open, else the form. The message is the caller's, so it is still there when the form opens again.
 */
import { useRef } from "react";
import { isBlank } from "../../sdk/blank-text.ts";
import { api } from "../api.ts";
import { afterSent } from "./draft.ts";
import { submitOnModEnter } from "./keys.ts";
import { useMentionCandidates, useMentionPicker } from "./mention-picker.tsx";
import type { Action } from "./use-action.ts";

export function FollowUpForm({ runId, workspaceId, agents, message, setMessage, action, onSent, onClose }: {
  runId: string;
  workspaceId: string;
  agents: readonly { id: string; name: string }[];
  message: string;
  setMessage: (message: string) => void;
  /** Its error shows where the caller puts it (with the run's Stop's). */
  action: Action;
  /** Sent: the names it @mentioned that more than one goes by (`ambiguousMentions`), which told no one. */
  onSent: (untold: string[]) => void;
  onClose: () => void;
}) {
  const candidates = useMentionCandidates(workspaceId, agents);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useMentionPicker(box, message, setMessage, candidates);
  return (
    <form className="follow-up" aria-label="Follow-up" onSubmit={async (event) => {
      event.preventDefault();
      let answer: { ambiguousMentions?: string[] } | undefined;
      const sent = message;
      if (await action.run(async () => { answer = await api.followUp(runId, sent.trim()); })) {
        // Words typed while it went stay for the next one (the box shows the message as it is now).
        setMessage(afterSent(box.current?.value ?? "", sent));
        onSent(answer?.ambiguousMentions ?? []);
      }
    }} onKeyDown={(event) => { if (event.key === "Escape") onClose(); }}>
      <label>Follow-up message (type @ to mention a person, or another agent of yours, which starts a run for it too; Ctrl+Enter sends)
        <textarea ref={box} rows={2} value={message} {...picker.inputProps} autoFocus
          onChange={(e) => { setMessage(e.target.value); picker.readCaret(); }}
          onKeyDown={(e) => { if (!picker.onKeyDown(e)) submitOnModEnter(e); }} />
      </label>
      {picker.list}
      <div className="row">
        <button type="submit" disabled={action.busy || isBlank(message)}>Send follow-up</button>
        <button type="button" className="secondary" onClick={onClose}>Cancel</button>
      </div>
    </form>
  );
}
