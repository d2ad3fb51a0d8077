import type { Image, RunListItem, Task, TaskStatus } from "../../sdk/types.ts";
import { newId } from "../domain/ids.ts";
import { badRequest, conflict } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import type { FeedEntry } from "../store/activity.ts";
import { listActiveRunsIn, peopleWithRunsIn } from "../store/runs.ts";
import { deleteTasks, findTask, insertTask, listTaskIdsIn, updateTask, type TaskPatch, type TaskScope } from "../store/tasks.ts";
import { findUser } from "../store/users.ts";
import { isMember } from "../store/workspaces.ts";
import type { Write } from "../write.ts";
import { userProjectToWrite, userTask, userTaskToChange, userTaskToWrite } from "./access.ts";
import { addComment, addOwnerChanges, addStatusChange } from "./activity.ts";
import { notify } from "./notify.ts";
import { holdAgents } from "./lock-order.ts";
import { actOnMentions, readMentions } from "./person-mentions.ts";
import { nameUploads, releaseUploads, renameUploads } from "./upload-refs.ts";
import { requiredText } from "./required-text.ts";

export interface NewTask {
  projectId: string;
  title: string;
  description?: string | undefined;
  dueDate?: string | null | undefined;
  images?: Image[] | undefined;
}

function checkTitle(title: string): string {
  return requiredText(title, "title");
}

/**
 * A whole list of images (create, or PATCH's replace) names each URL once: the task's images are
 * keyed by URL (`DELETE /tasks/:id/images?url=` takes one off), so a list naming one twice is
 * refused rather than quietly shortened. `POST /tasks/:id/images` appends, and leaves one out instead.
 */
function checkImages(images: Image[]): Image[] {
  const seen = new Set<string>();
  for (const image of images) {
    if (seen.has(image.url)) throw badRequest(`images names ${image.url} more than once`);
    seen.add(image.url);
  }
  return images;
}

export async function createTask(w: Write, user: UserPrincipal, input: NewTask): Promise<Task> {
  const project = await userProjectToWrite(w.sql, user, input.projectId);
  const id = newId("task", w.now);
  await insertTask(w.sql, {
    id, workspace_id: project.workspace_id, project_id: project.id, title: checkTitle(input.title),
    description: input.description ?? "", status: "todo", due_date: input.dueDate ?? null,
    images: JSON.stringify(checkImages(input.images ?? [])), creator_id: user.userId, owner_id: user.userId,
    created_at: w.now, updated_at: w.now,
  });
  await nameUploads(w, id, "images", (input.images ?? []).map((image) => image.url));
  await nameUploads(w, id, "description", [input.description ?? ""]);
  w.changes.workspaces.add(project.workspace_id);
  w.changes.tasks.add(id);
  return (await findTask(w.sql, id))!;
}

export interface TaskEdit {
  title?: string | undefined;
  description?: string | undefined;
  status?: TaskStatus | undefined;
  dueDate?: string | null | undefined;
  images?: Image[] | undefined;
  projectId?: string | undefined;
  ownerId?: string | undefined;
}

/**
 * `held`: `edit.images` is what the task holds less some taken off, not checked for a URL named twice: one stored
 * before that check holds such a list, and taking an image off it must still work.
 */
export async function editTask(w: Write, user: UserPrincipal, taskId: string, edit: TaskEdit, held = false): Promise<Task> {
  // Held: its status change records the status it had, no other edit in between.
  const task = await userTaskToChange(w.sql, user, taskId);
  // Only what differs from the row is written: a PATCH of the values stored changes nothing, its updatedAt included.
  const patch: TaskPatch = {};
  if (edit.title !== undefined && checkTitle(edit.title) !== task.title) patch.title = checkTitle(edit.title);
  if (edit.description !== undefined && edit.description !== task.description) patch.description = edit.description;
  if (edit.dueDate !== undefined && edit.dueDate !== task.due_date) patch.due_date = edit.dueDate;
  const images = edit.images === undefined ? undefined : JSON.stringify(held ? edit.images : checkImages(edit.images));
  if (images !== undefined && images !== task.images) patch.images = images;
  if (edit.projectId !== undefined && edit.projectId !== task.project_id) {
    const project = await userProjectToWrite(w.sql, user, edit.projectId);
    if (project.workspace_id !== task.workspace_id) throw badRequest("projectId must be a project of the task's workspace");
    patch.project_id = project.id;
  }
  const owner = edit.ownerId === undefined ? undefined : await findUser(w.sql, edit.ownerId);
  if (edit.ownerId !== undefined) {
    if (!owner || owner.kind !== "user" || !(await isMember(w.sql, task.workspace_id, owner.id))) {
      throw badRequest("ownerId must be a member of the task's workspace");
    }
    if (owner.id !== task.owner_id) patch.owner_id = owner.id;
  }
  if (edit.status !== undefined && edit.status !== task.status) {
    patch.status = edit.status;
    await addStatusChange(w, { taskId, runId: null, subject: "task", authorId: user.userId, from: task.status, to: edit.status });
  }
  if (Object.keys(patch).length === 0) return (await findTask(w.sql, taskId))!;
  await updateTask(w.sql, taskId, patch, w.now);
  if (patch.owner_id !== undefined) {
    // The feed says who gave it to whom, as a handover does (names as they are now).
    const from = (await findUser(w.sql, task.owner_id))?.name ?? null;
    await addOwnerChanges(w, [taskId], { authorId: user.userId, from, to: owner!.name, why: "" });
    await notify(w, {
      userId: patch.owner_id, type: "task_assigned", taskId, runId: null, actorId: user.userId,
      body: `${user.name} gave you "${patch.title ?? task.title}"`,
    });
  }
  // An upload taken off the task (and named nowhere else) waits out its grace, then goes; one put back stays.
  if (patch.images !== undefined) await renameUploads(w, taskId, "images", edit.images!.map((image) => image.url));
  if (patch.description !== undefined) await renameUploads(w, taskId, "description", [patch.description]);
  w.changes.tasks.add(taskId);
  w.changes.workspaces.add(task.workspace_id);
  // Run list items carry the task's title and project: the lists of every agent with a run on it change;
  // and the notifications of the runs' owners show its title.
  if (patch.title !== undefined || patch.project_id !== undefined) {
    const people = await peopleWithRunsIn(w.sql, { taskId });
    for (const agentId of people.agents) w.changes.agents.add(agentId);
    if (patch.title !== undefined) for (const ownerId of people.owners) w.changes.users.add(ownerId);
  }
  return (await findTask(w.sql, taskId))!;
}

/**
 * Deletes the task, its feed and its runs. Refused (409) while an agent has a run
 * on it PENDING or RUNNING: stop those first, so the agent hears of it (a deleted
 * run would vanish from its stoppedRuns, and its turn would go on).
 */
export async function deleteTask(w: Write, user: UserPrincipal, taskId: string): Promise<void> {
  // A delegation or comment at the same time (PostgreSQL) either commits first (its run is seen here)
  // or waits on this row and then finds the task gone (404).
  await w.sql.lock("task_deletions", taskId);
  const task = await userTask(w.sql, user, taskId);
  await removeTasks(w, { taskId }, "on this task");
  w.changes.workspaces.add(task.workspace_id);
}

/**
 * Deletes the scope's tasks (a task's deletion: one) with their feeds, runs and
 * notifications, and says so to whatever showed them. Refused (409) while a run on
 * any of them is PENDING or RUNNING. The caller has locked what a concurrent
 * delegation would need (PostgreSQL).
 */
export async function removeTasks(w: Write, scope: TaskScope, where: string): Promise<void> {
  await hideTasks(w, scope, where);
  await releaseUploads(w, scope);
  await deleteTasks(w.sql, scope);
}

/**
 * What deleting the scope's tasks checks and says, before they are deleted or marked
 * so (a project's, a workspace's: their rows go later, services/purge.ts): refused (409)
 * while a run on any of them is PENDING or RUNNING, so an agent hears of a stop and no
 * run of it is left going; then the agents with runs on them (their run lists), the
 * people their notifications went to (their lists and unread counts, which leave them
 * out from now on) and the tasks' own views hear that they are gone.
 */
export async function hideTasks(w: Write, scope: TaskScope, where: string): Promise<void> {
  const active = await listActiveRunsIn(w.sql, scope);
  if (active.length > 0) {
    const agents = [...new Set(active.map((r) => r.agent_name))];
    const runs = active.length === 1 ? "a run" : `${active.length} runs`;
    throw conflict(`${agents.join(", ")} ${agents.length === 1 ? "has" : "have"} ${runs} going ${where}; stop ${active.length === 1 ? "it" : "them"} first`);
  }
  const people = await peopleWithRunsIn(w.sql, scope);
  for (const agentId of people.agents) w.changes.agents.add(agentId);
  for (const userId of people.owners) w.changes.users.add(userId);
  for (const taskId of await listTaskIdsIn(w.sql, scope)) w.changes.tasks.add(taskId);
}

export interface PostedComment {
  comment: FeedEntry;
  /** The first run the comment's @mentions created, or null. */
  runId: string | null;
  runs: RunListItem[];
  /** Names it @mentions that more than one of its candidates goes by: they started no run and told no one (domain/mentions.ts). */
  ambiguousMentions: string[];
}

/**
 * A person's comment on a task. Each agent of the author's that it @mentions gets
 * a PENDING run with the comment as its prompt, unless it already has one going
 * on this task (the comment is kept either way); each other member of the workspace
 * it @mentions is told. A name two of them go by names neither (`ambiguousMentions`;
 * person-mentions.ts).
 */
export async function commentOnTask(w: Write, user: UserPrincipal, taskId: string, body: string): Promise<PostedComment> {
  const said = requiredText(body, "body");
  const task = await userTaskToWrite(w.sql, user, taskId);
  // The project, then the agents it @mentions, then the task's rows (lock-order.ts).
  const mentioned = await readMentions(w, user, { workspaceId: task.workspace_id, body: said });
  await holdAgents(w.sql, mentioned.agents.map((a) => a.id));
  const id = await addComment(w, taskId, null, user.userId, said);
  const { runs, ambiguous } = await actOnMentions(w, user, { taskId, workspaceId: task.workspace_id, runId: null, body: said }, mentioned);
  const comment: FeedEntry = {
    id, type: "comment", subject: null, runId: null, author: { id: user.userId, name: user.name, kind: "user" },
    body: said, from: null, to: null, createdAt: w.now, editedAt: null,
  };
  return { comment, runId: runs[0]?.id ?? null, runs, ambiguousMentions: ambiguous };
}
