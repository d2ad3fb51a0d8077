/** The form that edits a task's title, description and due date (task-edit.ts holds what is typed). */
import { api } from "../api.ts";
import type { FollowedField } from "./followed-field.ts";
import { submitOnModEnter } from "./keys.ts";
import { ErrorNote } from "./states.tsx";
import type { EditedField } from "./task-edit.ts";
import { TheirChange } from "./their-change.tsx";
import { useAction } from "./use-action.ts";
import { isBlank } from "../../sdk/blank-text.ts";

export function TaskEditForm({ taskId, fields, onDone }: {
  taskId: string;
  fields: Record<EditedField, FollowedField>;
  /** Saved, cancelled or left by Escape. */
  onDone: () => void;
}) {
  const save = useAction();
  const { title, description, dueDate } = fields;
  return (
    <form className="details" aria-label="Edit task" onSubmit={async (event) => {
      event.preventDefault();
      if (await save.run(() => api.editTask(taskId, { title: title.value.trim(), description: description.value, dueDate: dueDate.value || null }))) onDone();
    }} onKeyDown={(event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      onDone();
    }}>
      <label>Title <input value={title.value} onChange={(e) => title.set(e.target.value)} required maxLength={500} autoFocus /></label>
      <TheirChange field={title} />
      <label>Description (Markdown) <textarea rows={6} value={description.value} onChange={(e) => description.set(e.target.value)} onKeyDown={submitOnModEnter} /></label>
      <TheirChange field={description} />
      <label>Due date <input type="date" value={dueDate.value} onChange={(e) => dueDate.set(e.target.value)} /></label>
      <TheirChange field={dueDate} />
      <div className="row">
        <button type="submit" disabled={save.busy || isBlank(title.value)}>Save</button>
        <button type="button" className="secondary" onClick={onDone}>Cancel</button>
      </div>
      {save.error && <ErrorNote error={save.error} />}
    </form>
  );
}
