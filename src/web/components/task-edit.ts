/**
 * A task's edit: its title, description and due date, each a field that follows the task while untouched
 * and, once typed in, keeps the person's words and names a change made elsewhere (followed-field.ts, as
 * Settings do). Kept in the tab (draft.ts): a reload, or another page and back, finds the form as it was
 * left, measured against the task as it is by then.
 */
import { useEffect } from "react";
import type { TaskView } from "../types.ts";
import { useKeptForm } from "./draft.ts";
import { followedField, settle, type FieldState, type FollowedField } from "./followed-field.ts";

export const EDITED = ["title", "description", "dueDate"] as const;
export type EditedField = (typeof EDITED)[number];
export type TaskEdit = Record<EditedField, FieldState>;
type Values = Record<EditedField, string>;

const each = <T>(make: (field: EditedField) => T): Record<EditedField, T> =>
  ({ title: make("title"), description: make("description"), dueDate: make("dueDate") });

/** The task's edited values as the form holds them ("" for no due date). */
export function liveValues(task: Pick<TaskView, "title" | "description" | "dueDate">): Values {
  return { title: task.title, description: task.description, dueDate: task.dueDate ?? "" };
}

/** The form as it opens: the task's values, untouched. */
export function startEdit(live: Values): TaskEdit {
  return each((field) => ({ value: live[field], base: live[field] }));
}

/** The form once the task is `live`: each field settled (followed-field.ts); the same object when nothing moved. */
export function settleEdit(edit: TaskEdit, live: Values): TaskEdit {
  const next = each((field) => settle(edit[field], live[field]));
  return EDITED.every((field) => next[field] === edit[field]) ? edit : next;
}

/** A kept form, read back: null unless each field is a `{ value, base }` of strings. */
export function parseTaskEdit(kept: unknown): TaskEdit | null {
  if (typeof kept !== "object" || kept === null) return null;
  const fields = kept as Record<string, unknown>;
  const ok = EDITED.every((name) => {
    const field = fields[name] as Partial<FieldState> | null | undefined;
    return typeof field?.value === "string" && typeof field.base === "string";
  });
  return ok ? each((name) => {
    const { value, base } = fields[name] as FieldState;
    return { value, base };
  }) : null;
}

/** The task's edit form, kept in the tab: `fields` while editing, else null. */
export function useTaskEdit(task: TaskView) {
  const [edit, setEdit] = useKeptForm(`edit:${task.id}`, parseTaskEdit);
  const live = liveValues(task);
  const { title, description, dueDate } = live;
  useEffect(() => setEdit((was) => was && settleEdit(was, { title, description, dueDate })), [setEdit, title, description, dueDate]);
  const fields: Record<EditedField, FollowedField> | null = edit && each((field) =>
    followedField(edit[field], live[field], (change) => setEdit((was) => was && { ...was, [field]: change(was[field]) })));
  return {
    fields,
    start: () => setEdit(startEdit(live)),
    stop: () => setEdit(null),
  };
}

/**
 * What the person typed in an edit, as text to copy should the task go before it is saved: the title, the
 * description, and a due date changed; null when nothing was typed (the form as it opened, or as it follows).
 */
export function unsavedText(edit: TaskEdit | null): string | null {
  if (!edit || EDITED.every((field) => edit[field].value === edit[field].base)) return null;
  const { title, description, dueDate } = edit;
  const due = dueDate.value !== dueDate.base && dueDate.value ? `Due ${dueDate.value}` : "";
  return [title.value.trim(), description.value, due].filter((part) => part.trim()).join("\n\n");
}
