/** Moving between projects, making a new one (in a workspace you have, or a new workspace), inviting someone in. */
import { useState } from "react";
import { api } from "../api.ts";
import { ErrorNote } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";
import { navigate } from "../router.ts";
import type { MeView } from "../types.ts";

const NEW_WORKSPACE = "";

export function ProjectBar({ me, current }: { me: MeView; current: string | null }) {
  const projects = me.workspaces.flatMap((w) => w.projects.map((p) => ({ ...p, workspace: w.name })));
  const workspace = me.workspaces.find((w) => w.projects.some((p) => p.id === current));
  return (
    <div className="project-bar">
      {workspace && <Invite workspace={workspace} />}
      {projects.length > 1 && current && (
        <label className="picker">Project{" "}
          <select value={current} onChange={(e) => navigate(`/projects/${e.target.value}`)}>
            {projects.map((p) => <option key={p.id} value={p.id}>{p.workspace} / {p.name}</option>)}
          </select>
        </label>
      )}
      <details className="new-project" open={projects.length === 0}>
        <summary>New project</summary>
        <NewProject workspaces={me.workspaces} />
      </details>
    </div>
  );
}

/** A one-time link into the workspace, shown this once, to send to the person. */
function Invite({ workspace }: { workspace: { id: string; name: string } }) {
  const [link, setLink] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const make = useAction();
  return (
    <div className="invite">
      <button type="button" className="secondary" disabled={make.busy}
        onClick={() => void make.run(async () => setLink(`${location.origin}${(await api.createInvite(workspace.id)).url}`))}>Invite someone</button>
      {make.error && <ErrorNote error={make.error} />}
      {link && (
        <div className="token-once" role="region" aria-label="Invite link">
          <p>Send this link to one person: it lets them into <strong>{workspace.name}</strong>, once, within 7 days.</p>
          <pre><code data-testid="invite-link">{link}</code></pre>
          <div className="row">
            <button type="button" onClick={() => void navigator.clipboard?.writeText(link).then(() => setCopied(true), () => setCopied(false))}>{copied ? "Copied" : "Copy"}</button>
            <button type="button" className="secondary" onClick={() => setLink(null)}>Done</button>
          </div>
        </div>
      )}
    </div>
  );
}

function NewProject({ workspaces }: { workspaces: MeView["workspaces"] }) {
  const [workspaceId, setWorkspaceId] = useState(workspaces[0]?.id ?? NEW_WORKSPACE);
  const [workspaceName, setWorkspaceName] = useState("");
  const [name, setName] = useState("");
  const create = useAction();
  const inNew = workspaceId === NEW_WORKSPACE;
  return (
    <form aria-label="New project" onSubmit={async (event) => {
      event.preventDefault();
      let projectId = "";
      const ok = await create.run(async () => {
        const target = inNew ? (await api.createWorkspace(workspaceName.trim())).id : workspaceId;
        projectId = (await api.createProject(target, name.trim())).id;
      });
      if (ok) navigate(`/projects/${projectId}`);
    }}>
      <div className="row">
        <label>Workspace{" "}
          <select value={workspaceId} onChange={(e) => setWorkspaceId(e.target.value)}>
            {workspaces.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
            <option value={NEW_WORKSPACE}>New workspace…</option>
          </select>
        </label>
        {inNew && <label className="grow">Workspace name <input value={workspaceName} onChange={(e) => setWorkspaceName(e.target.value)} required maxLength={200} /></label>}
        <label className="grow">Project name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} /></label>
        <button type="submit" disabled={create.busy || !name.trim() || (inNew && !workspaceName.trim())}>Create project</button>
      </div>
      {create.error && <ErrorNote error={create.error} />}
    </form>
  );
}
