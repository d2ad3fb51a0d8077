/** Hands a task to an agent, with an optional prompt: a run. */
import { useRef, useState } from "react";
import { api } from "../api.ts";
import { useShortcut } from "../shortcuts.ts";
import type { AgentWithRuns } from "../types.ts";
import { afterSent } from "./draft.ts";
import { submitOnModEnter } from "./keys.ts";
import { Empty, ErrorNote } from "./states.tsx";
import { useAction } from "./use-action.ts";

export function Delegate({ taskId, agents }: { taskId: string; agents: AgentWithRuns[] }) {
  const [agentId, setAgentId] = useState("");
  const [prompt, setPrompt] = useState("");
  const send = useAction();
  // What the last Delegate did, for a screen reader: the run it made shows further down the page.
  const [said, setSaid] = useState("");
  const picker = useRef<HTMLSelectElement>(null);
  useShortcut(agents.length > 0 ? "delegate" : null, () => picker.current?.focus());
  // The one picked while it is on the list (someone may delete it meanwhile), else the list's first: what the select shows.
  const chosen = agents.some((a) => a.id === agentId) ? agentId : agents[0]?.id ?? "";
  return (
    <form className="delegate" aria-labelledby="delegate-title" onSubmit={async (event) => {
      event.preventDefault();
      const sent = prompt;
      const to = agents.find((a) => a.id === chosen)?.name ?? "the agent";
      setSaid("");
      if (!(await send.run(() => api.delegate(taskId, chosen, sent.trim() || undefined)))) return;
      setPrompt((now) => afterSent(now, sent));
      setSaid(`Delegated to ${to}.`);
    }}>
      <h2 id="delegate-title">Delegate</h2>
      {agents.length === 0 ? <Empty>No agents yet: create one on the Agents page.</Empty> : (
        <>
          <label>Agent
            <select ref={picker} value={chosen} onChange={(e) => setAgentId(e.target.value)}>
              {agents.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
            </select>
          </label>
          <label>Prompt (optional) <textarea rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} onKeyDown={submitOnModEnter} /></label>
          <button type="submit" disabled={send.busy || !chosen}>Delegate</button>
        </>
      )}
      <p className="meta" role="status">{said}</p>
      {send.error && <ErrorNote error={send.error} />}
    </form>
  );
}
