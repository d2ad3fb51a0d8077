/**
 * Moving between projects, making a new one (in a workspace you have, or a new workspace), inviting someone in,
 * and the settings: a project's name and description, a workspace's name, handover and the deletes.
 */
import { useRef, useState } from "react";
import { api, gone } from "../api.ts";
import { useFocusAfterRemoval, type Fallback } from "../components/focus.ts";
import { useFollowedField } from "../components/followed-field.ts";
import { closeOnEscape } from "../components/popover.ts";
import { ShownOnce } from "../components/shown-once.tsx";
import { ErrorNote } from "../components/states.tsx";
import { TheirChange } from "../components/their-change.tsx";
import { useAction } from "../components/use-action.ts";
import { leave, navigate } from "../router.ts";
import { formatTime } from "../format.ts";
import { useLive } from "../live.ts";
import type { MeView, MemberView, ProjectView } from "../types.ts";
import { isBlank } from "../../sdk/blank-text.ts";

const NEW_WORKSPACE = "";

export function ProjectBar({ me, current }: { me: MeView; current: string | null }) {
  const projects = me.workspaces.flatMap((w) => w.projects.map((p) => ({ ...p, workspace: w.name })));
  const workspace = me.workspaces.find((w) => w.projects.some((p) => p.id === current));
  const project = workspace?.projects.find((p) => p.id === current);
  return (
    <div className="project-bar">
      {workspace && project && <Settings key={project.id} workspace={workspace} project={project} myId={me.id} />}
      {workspace && <Invite workspace={workspace} />}
      {workspace && <Members workspace={workspace} myId={me.id} />}
      {projects.length > 1 && current && (
        <label className="picker">Project{" "}
          <select value={current} onChange={(e) => navigate(`/projects/${e.target.value}`)}>
            {/* Not one of theirs (deleted, or its workspace left, in another tab): the select shows no other as this one,
                which picking could then not go to. */}
            {!project && <option value={current}>Choose a project…</option>}
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

const toSummary: Fallback = (list) => list?.closest("details")?.querySelector("summary");

/** The workspace's people: its creator removes someone; anyone else may leave. */
function Members({ workspace, myId }: { workspace: { id: string; name: string }; myId: string }) {
  const live = useLive<MemberView[]>("members", { workspaceId: workspace.id });
  const remove = useAction();
  const members = live.status === "ready" ? live.data : [];
  const iCreated = members.some((m) => m.id === myId && m.isCreator);
  // Someone removed: the focus, on their Remove, goes on to the next one's (or back to the summary, none left).
  const focus = useFocusAfterRemoval<HTMLUListElement>(live.status === "ready" ? live.data.map((m) => m.id) : null, "button", toSummary);
  return (
    <details className="members" data-takes-keys onKeyDown={closeOnEscape}>
      <summary>Members{live.status === "ready" ? ` (${members.length})` : ""}</summary>
      <ul aria-label={`Members of ${workspace.name}`} ref={focus.list}>
        {members.map((m, index) => (
          <li key={m.id} data-member-id={m.id}>
            <span>{m.name}{m.isCreator && <span className="meta"> · created the workspace</span>}</span>
            {!m.isCreator && (m.id === myId || iCreated) && (
              <button type="button" className="link" disabled={remove.busy} aria-label={m.id === myId ? `Leave ${workspace.name}` : `Remove ${m.name}`} onClick={() => {
                const leaving = m.id === myId;
                const from = location.pathname;
                if (!confirm(leaving ? `Leave ${workspace.name}?` : `Remove ${m.name} from ${workspace.name}? Their agents' runs going there are stopped, and only the workspace's creator (you) can let them back in.`)) return;
                void remove.run(async () => {
                  await api.removeMember(workspace.id, m.id);
                  if (leaving) leave(from, "/");
                  else focus.removed(m.id, index);
                });
              }}>{m.id === myId ? "Leave" : "Remove"}</button>
            )}
          </li>
        ))}
      </ul>
      {remove.error && <ErrorNote error={remove.error} />}
    </details>
  );
}

/**
 * The project's name and description, for any member. Its workspace's creator also renames the workspace, hands
 * it to another member, and deletes the project or the whole workspace (the hub refuses while a run there is going).
 */
function Settings(props: SettingsProps) {
  // Rendered only while open: closed, its fields are not on the page (nor its members subscription).
  const [open, setOpen] = useState(false);
  return (
    <details className="settings" data-takes-keys onToggle={(event) => setOpen(event.currentTarget.open)} onKeyDown={closeOnEscape}>
      <summary>Settings</summary>
      {open && <SettingsPanel {...props} />}
    </details>
  );
}

interface SettingsProps {
  workspace: MeView["workspaces"][number];
  project: ProjectView;
  myId: string;
}

function SettingsPanel({ workspace, project, myId }: SettingsProps) {
  const live = useLive<MemberView[]>("members", { workspaceId: workspace.id });
  const members = live.status === "ready" ? live.data : [];
  const iCreated = members.some((m) => m.id === myId && m.isCreator);
  // Renamed elsewhere (live) while untouched here, they follow; being edited, they say so.
  const name = useFollowedField(project.name);
  const description = useFollowedField(project.description);
  const workspaceName = useFollowedField(workspace.name);
  const [heir, setHeir] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();
  const act = async (what: string, write: () => Promise<unknown>) => {
    setSaved(null);
    if (await action.run(write)) setSaved(what);
  };
  const others = members.filter((m) => m.id !== myId);
  return (
    <div className="settings-panel" role="region" aria-label="Settings">
      <form aria-label="Project settings" onSubmit={(event) => {
        event.preventDefault();
        void act("Project saved.", () => api.editProject(project.id, { name: name.value.trim(), description: description.value }));
      }}>
        <label>Project name <input value={name.value} onChange={(e) => name.set(e.target.value)} required maxLength={200} /></label>
        <TheirChange field={name} />
        <label>Description <textarea value={description.value} onChange={(e) => description.set(e.target.value)} maxLength={10_000} rows={2} /></label>
        <TheirChange field={description} />
        <button type="submit" disabled={action.busy || isBlank(name.value)}>Save project</button>
      </form>
      {iCreated && (
        <>
          <form aria-label="Workspace settings" onSubmit={(event) => {
            event.preventDefault();
            void act("Workspace saved.", () => api.editWorkspace(workspace.id, { name: workspaceName.value.trim() }));
          }}>
            <label>Workspace name <input value={workspaceName.value} onChange={(e) => workspaceName.set(e.target.value)} required maxLength={200} /></label>
            <TheirChange field={workspaceName} />
            <button type="submit" disabled={action.busy || isBlank(workspaceName.value)}>Save workspace</button>
          </form>
          {others.length === 0 ? <p className="meta">No other member to hand the workspace to: invite someone first.</p> : (
            <form aria-label="Hand over the workspace" onSubmit={(event) => {
              event.preventDefault();
              const to = others.find((m) => m.id === heir);
              if (!to || !confirm(`Hand ${workspace.name} to ${to.name}? They will manage it, and you will not.`)) return;
              void act(`${to.name} now manages ${workspace.name}.`, () => api.editWorkspace(workspace.id, { creatorId: to.id }));
            }}>
              <label>Hand the workspace to{" "}
                <select value={heir} onChange={(e) => setHeir(e.target.value)}>
                  <option value="">Choose a member…</option>
                  {others.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
                </select>
              </label>
              <button type="submit" className="secondary" disabled={action.busy || !heir}>Hand over</button>
            </form>
          )}
          <div className="row">
            <button type="button" className="danger" disabled={action.busy} onClick={() => {
              if (!confirm(`Delete the project ${project.name} with all its tasks, their runs and feeds? This cannot be undone.`)) return;
              void action.run(async () => {
                await api.deleteProject(project.id);
                leave(`/projects/${project.id}`, "/");
              });
            }}>Delete project</button>
            <button type="button" className="danger" disabled={action.busy} onClick={() => {
              if (!confirm(`Delete the workspace ${workspace.name} with all its projects, tasks and members? This cannot be undone.`)) return;
              void action.run(async () => {
                await api.deleteWorkspace(workspace.id);
                leave(`/projects/${project.id}`, "/");
              });
            }}>Delete workspace</button>
          </div>
        </>
      )}
      {saved && <p role="status">{saved}</p>}
      {action.error && <ErrorNote error={action.error} />}
    </div>
  );
}

/** A one-time link into the workspace, shown this once, to send to the person. */
function Invite({ workspace }: { workspace: { id: string; name: string } }) {
  const [link, setLink] = useState<string | null>(null);
  const [open, setOpen] = useState<Awaited<ReturnType<typeof api.openInvites>> | null>(null);
  const make = useAction();
  const list = useAction();
  const show = () => list.run(async () => setOpen(await api.openInvites(workspace.id)));
  const inviteButton = useRef<HTMLButtonElement>(null);
  const openButton = useRef<HTMLButtonElement>(null);
  // Closed by Close or Escape, the focus goes back to Open invites rather than to the page's top.
  const close = () => {
    setOpen(null);
    openButton.current?.focus();
  };
  return (
    <div className="invite">
      <button type="button" className="secondary" disabled={make.busy} ref={inviteButton}
        onClick={() => void make.run(async () => setLink(`${location.origin}${(await api.createInvite(workspace.id)).url}`))}>Invite someone</button>
      <button type="button" className="link" disabled={list.busy} ref={openButton} aria-expanded={open !== null}
        onClick={() => void (open ? setOpen(null) : show())}>Open invites</button>
      {make.error && <ErrorNote error={make.error} />}
      {list.error && <ErrorNote error={list.error} />}
      {open && (
        <div className="token-once" role="region" aria-label="Open invites"
          onKeyDown={(event) => { if (event.key === "Escape") { event.preventDefault(); close(); } }}>
          {open.length === 0 ? <p>No invite links waiting to be used.</p> : (
            <ul className="open-invites">
              {open.map((i) => (
                <li key={i.id}>
                  Made by {i.createdBy.name} · {formatTime(i.createdAt)} · until {formatTime(i.expiresAt)}{" "}
                  <button type="button" className="link" disabled={list.busy} aria-label={`Revoke the invite made ${formatTime(i.createdAt)}`}
                    onClick={() => void list.run(async () => { await gone(api.revokeInvite(workspace.id, i.id)); setOpen(await api.openInvites(workspace.id)); })}>Revoke</button>
                </li>
              ))}
            </ul>
          )}
          <button type="button" className="secondary" onClick={close}>Close</button>
        </div>
      )}
      {link && (
        <ShownOnce label="Invite link" text={link} testId="invite-link" onDone={() => setLink(null)} returnFocus={() => inviteButton.current}>
          <p>Send this link to one person: it lets them into <strong>{workspace.name}</strong>, once, within 7 days.</p>
        </ShownOnce>
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
        // Made: should the project fail, trying again puts it in this workspace instead of making another.
        setWorkspaceId(target);
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
        <button type="submit" disabled={create.busy || isBlank(name) || (inNew && isBlank(workspaceName))}>Create project</button>
      </div>
      {create.error && <ErrorNote error={create.error} />}
    </form>
  );
}
