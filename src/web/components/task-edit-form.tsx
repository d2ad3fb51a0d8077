/** The form that edits a task's title, description and due date (task-edit.ts holds what is typed). */
import { api } from "../api.ts";
import type { FollowedField } from "./followed-field.ts";
import { submitOnModEnter } from "./keys.ts";
import { ErrorNote } from "./states.tsx";
import { EDITED, type EditedField } from "./task-edit.ts";
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
      const form = event.currentTarget;
      const sent = typed(form);
      // Words typed while it saved keep the form open with them (its fields then measured against the saved task).
      if (await save.run(() => api.editTask(taskId, { title: title.value.trim(), description: description.value, dueDate: dueDate.value || null })) && typed(form) === sent) onDone();
    }} onKeyDown={(event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      onDone();
    }}>
      <label>Title <input name="title" value={title.value} onChange={(e) => title.set(e.target.value)} required maxLength={500} autoFocus /></label>
      <TheirChange field={title} />
      <label>Description (Markdown) <textarea name="description" rows={6} value={description.value} onChange={(e) => description.set(e.target.value)} onKeyDown={submitOnModEnter} /></label>
      <TheirChange field={description} />
      <label>Due date <input name="dueDate" type="date" value={dueDate.value} onChange={(e) => dueDate.set(e.target.value)} /></label>
      <TheirChange field={dueDate} />
      <div className="row">
        <button type="submit" disabled={save.busy || isBlank(title.value)}>Save</button>
        <button type="button" className="secondary" onClick={onDone}>Cancel</button>
      </div>
      {save.error && <ErrorNote error={save.error} />}
    </form>
  );
}

/** The form's fields as they are now, as one string to compare. */
const typed = (form: HTMLFormElement) =>
  JSON.stringify(EDITED.map((name) => (form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | null)?.value));
