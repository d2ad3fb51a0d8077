/** Your agents: create one (its gca_ token shown once), rotate a token, delete one, see its runs. */
import { useState } from "react";
import { api } from "../api.ts";
import { Link, RunBadge } from "../components/bits.tsx";
import { useFocusAfterRemoval } from "../components/focus.ts";
import { ShownOnce } from "../components/shown-once.tsx";
import { Empty, ErrorNote, LiveView } from "../components/states.tsx";
import { usePageTitle } from "../components/page-title.ts";
import { useAction } from "../components/use-action.ts";
import { formatTime } from "../format.ts";
import { useLive } from "../live.ts";
import type { AgentWithRuns } from "../types.ts";
import { isBlank } from "../../sdk/blank-text.ts";

/** The new agent's name field: where the focus goes once its token is put away, or the last agent deleted. */
const NAME_FIELD = "new-agent-name";
const toNameField = () => document.getElementById(NAME_FIELD);

interface Revealed {
  agentName: string;
  token: string;
  /** Rotated, not made: the agent whose Rotate token the focus goes back to. */
  agentId?: string;
}

export function Agents() {
  const live = useLive<AgentWithRuns[]>("agents");
  usePageTitle("Agents");
  // The token lives only in this component's memory: gone on reload, never stored.
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  // An agent deleted: its card goes (once the live list says so), and the focus with it, on to the next card's first button.
  const focus = useFocusAfterRemoval<HTMLUListElement>(live.status === "ready" ? live.data.map((a) => a.id) : null, "button", toNameField);
  return (
    <section aria-labelledby="agents-title">
      <h1 id="agents-title">Agents</h1>
      {revealed && <TokenOnce revealed={revealed} onDone={() => setRevealed(null)} />}
      <NewAgent onCreated={setRevealed} />
      <LiveView live={live} what="agents">
        {(agents) => agents.length === 0 ? <Empty>No agents yet.</Empty> : (
          <ul className="agents" ref={focus.list}>
            {agents.map((agent, at) => <AgentCard key={agent.id} agent={agent} onRotated={setRevealed} onDeleted={() => focus.removed(agent.id, at)} />)}
          </ul>
        )}
      </LiveView>
    </section>
  );
}

function TokenOnce({ revealed, onDone }: { revealed: Revealed; onDone: () => void }) {
  const env = [
    `GROUPCHAT_AGENT_TOKEN=${revealed.token}`,
    `GROUPCHAT_API_URL=${location.origin}/api/v1/agent`,
    `GROUPCHAT_CONVEX_URL=${location.origin}`,
  ].join("\n");
  return (
    <div data-testid="token-once">
      <ShownOnce label={`Token for ${revealed.agentName}`} text={env} testId="env-lines" onDone={onDone} returnFocus={() => revealed.agentId
        ? document.querySelector(`[data-agent-id="${CSS.escape(revealed.agentId)}"] button`)
        : toNameField()}>
        <h2>Token for {revealed.agentName}</h2>
        <p><strong>Copy it now: it is shown this once.</strong> Put these lines in the agent's environment:</p>
      </ShownOnce>
    </div>
  );
}

function NewAgent({ onCreated }: { onCreated: (r: Revealed) => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useAction();
  return (
    <form className="new-agent" aria-label="New agent" onSubmit={async (event) => {
      event.preventDefault();
      await create.run(async () => {
        const agent = await api.createAgent(name.trim(), description.trim() || undefined);
        onCreated({ agentName: agent.name, token: agent.token });
        setName(""); setDescription("");
      });
    }}>
      <label>Name <input id={NAME_FIELD} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} /></label>
      <label>Description <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} /></label>
      <button type="submit" disabled={create.busy || isBlank(name)}>Create agent</button>
      {create.error && <ErrorNote error={create.error} />}
    </form>
  );
}

function AgentCard({ agent, onRotated, onDeleted }: { agent: AgentWithRuns; onRotated: (r: Revealed) => void; onDeleted: () => void }) {
  const rotate = useAction();
  const remove = useAction();
  return (
    <li className="agent card" data-agent-id={agent.id}>
      <div className="row spread">
        <h2>{agent.name}</h2>
        <div className="row">
          <button type="button" className="secondary" disabled={rotate.busy} aria-label={`Rotate token of ${agent.name}`} onClick={() => {
            if (!confirm(`Rotate the token of ${agent.name}? The old one stops working at once.`)) return;
            void rotate.run(async () => onRotated({ agentName: agent.name, token: (await api.rotateToken(agent.id)).token, agentId: agent.id }));
          }}>Rotate token</button>
          <button type="button" className="danger" disabled={remove.busy} aria-label={`Delete ${agent.name}`} onClick={() => {
            if (!confirm(`Delete ${agent.name}? Its token stops working at once, and its pending and running runs are stopped.`)) return;
            void remove.run(async () => {
              await api.deleteAgent(agent.id);
              onDeleted();
            });
          }}>Delete</button>
        </div>
      </div>
      {agent.description && <p className="meta">{agent.description}</p>}
      {rotate.error && <ErrorNote error={rotate.error} />}
      {remove.error && <ErrorNote error={remove.error} />}
      <h3>Recent runs</h3>
      {agent.runs.length === 0 ? <Empty>No runs yet.</Empty> : (
        <ul className="agent-runs">
          {agent.runs.map((run) => (
            <li key={run.id}><RunBadge status={run.status} /> <Link to={`/tasks/${run.taskId}`}>{run.taskTitle}</Link> <span className="meta">{formatTime(run.createdAt)}</span></li>
          ))}
        </ul>
      )}
    </li>
  );
}
