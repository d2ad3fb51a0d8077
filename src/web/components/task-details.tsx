/** A task's details: who made it and when, its due date, owner, description and images; or, being edited, the form. */
import { useEffect, useId, useRef, useState } from "react";
import { api, gone } from "../api.ts";
import { formatTime, isOverdue, today } from "../format.ts";
import { useLive } from "../live.ts";
import { useShortcut } from "../shortcuts.ts";
import type { MemberView, TaskView } from "../types.ts";
import { Markdown, OverdueBadge } from "./bits.tsx";
import { ImageUpload } from "./image-upload.tsx";
import { Empty, ErrorNote } from "./states.tsx";
import { useTaskEdit } from "./task-edit.ts";
import { TaskEditForm } from "./task-edit-form.tsx";
import { useAction } from "./use-action.ts";

export function Details({ task }: { task: TaskView }) {
  const edit = useTaskEdit(task);
  const editing = edit.fields !== null;
  useShortcut(editing ? null : "edit", edit.start);
  const [imageUrl, setImageUrl] = useState("");
  const save = useAction();
  // Leaving the form (saved or not), the focus goes back to the button that opened it, not to the page's top.
  const editButton = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  useEffect(() => {
    if (editing || !refocus.current) return;
    refocus.current = false;
    editButton.current?.focus();
  }, [editing]);
  if (edit.fields) {
    return <TaskEditForm taskId={task.id} fields={edit.fields} onDone={() => {
      refocus.current = true;
      edit.stop();
    }} />;
  }
  return (
    <section className="details" aria-label="Details">
      <p className="meta">
        Created by {task.creator.name} · {formatTime(task.createdAt)} · {task.dueDate ? <>Due <time dateTime={task.dueDate}>{task.dueDate}</time>{isOverdue(task, today()) && <> <OverdueBadge /></>}</> : "No due date"}
      </p>
      <OwnerPicker task={task} />
      {task.description ? <Markdown source={task.description} /> : <Empty>No description.</Empty>}
      <ImageUpload task={task}>
        {task.images.length === 0 ? <Empty>No images.</Empty> : (
          <ul className="images">
            {task.images.map((image, i) => (
              <li key={`${image.url}-${i}`}>
                <a href={image.url} target="_blank" rel="noopener noreferrer"><img src={image.url} alt={image.name || "Task image"} loading="lazy" /></a>
                <button type="button" className="link" aria-label={`Remove image ${image.name || i + 1}`}
                  onClick={() => void save.run(() => gone(api.removeImage(task.id, image.url)))}>Remove</button>
              </li>
            ))}
          </ul>
        )}
        <form className="row" aria-label="Add image" onSubmit={async (event) => {
          event.preventDefault();
          const url = imageUrl.trim();
          // The URL alone: the hub names it (its last path segment, decoded), as it does for any script's.
          if (await save.run(() => api.addImages(task.id, [url]))) setImageUrl("");
        }}>
          <label className="grow">Image URL <input type="url" value={imageUrl} onChange={(e) => setImageUrl(e.target.value)} placeholder="https://…" /></label>
          <button type="submit" className="secondary" disabled={!imageUrl.trim() || save.busy}>Add image</button>
        </form>
      </ImageUpload>
      <button type="button" className="secondary" ref={editButton} onClick={edit.start}>Edit task</button>
      {save.error && <ErrorNote error={save.error} />}
    </section>
  );
}

/** Whose task it is: any person of its workspace. A refused change says why beside the field (not in its label: that is its name). */
function OwnerPicker({ task }: { task: TaskView }) {
  const members = useLive<MemberView[]>("members", { workspaceId: task.workspaceId });
  const save = useAction();
  const id = useId();
  const people = members.status === "ready" ? members.data : [{ id: task.owner.id, name: task.owner.name }];
  return (
    <div className="owner">
      <label htmlFor={`${id}-field`}>Owner</label>{" "}
      <select id={`${id}-field`} value={task.owner.id} disabled={save.busy || members.status !== "ready"}
        aria-describedby={save.error ? `${id}-error` : undefined}
        onChange={(e) => void save.run(() => api.editTask(task.id, { ownerId: e.target.value }))}>
        {people.some((p) => p.id === task.owner.id) ? null : <option value={task.owner.id}>{task.owner.name} (no longer a member)</option>}
        {people.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
      </select>
      {save.error && <ErrorNote id={`${id}-error`} error={save.error} />}
    </div>
  );
}
