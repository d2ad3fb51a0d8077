/**
 * A task's images one at a time: some appended, or one taken off, each in one write that
 * locks the task (after its project) and reads its images after the lock (PostgreSQL: a write at the same
 * time waits, then sees this one's). Two people adding screenshots at once both land, where
 * each sending the whole list (`PATCH /tasks/:id {images}`) would put theirs in place of the
 * other's. The list then goes through the task edit itself (services/tasks.ts), so the
 * uploads it names, and who hears of it, are kept as for any edit.
 */
import type { Image, Task } from "../../sdk/types.ts";
import { badRequest, notFound } from "../errors.ts";
import type { UserPrincipal } from "../principal.ts";
import type { Write } from "../write.ts";
import { userTaskToChange } from "./access.ts";
import { editTask } from "./tasks.ts";

/** The most images a task holds (the PATCH body's bound too). */
export const MAX_TASK_IMAGES = 50;

/** An image by its URL alone is named after the URL's last path segment, as the web UI names a pasted URL. */
export function imageOf(item: string | Image): Image {
  if (typeof item !== "string") return item;
  const path = item.split(/[?#]/)[0]!;
  // Cut by characters (code points), as the schema counts a name's 500: by UTF-16 units, a cut through an emoji left half
  // of it, a lone surrogate that the answer and the list carried as an escape strict JSON parsers refuse.
  return { url: item, name: [...decodeSafely(path.slice(path.lastIndexOf("/") + 1))].slice(0, 500).join("") };
}

/** Appends the images whose URL the task does not hold yet (a retry, or two people adding the same URL, adds it once). */
export async function addTaskImages(w: Write, user: UserPrincipal, taskId: string, images: readonly Image[]): Promise<Task> {
  return changeImages(w, user, taskId, (current) => {
    const held = new Set(current.map((image) => image.url));
    const added: Image[] = [];
    for (const image of images) {
      if (held.has(image.url)) continue;
      held.add(image.url);
      added.push(image);
    }
    const next = [...current, ...added];
    if (next.length > MAX_TASK_IMAGES) {
      throw badRequest(`A task holds at most ${MAX_TASK_IMAGES} images; it has ${current.length}, and ${added.length} more would be over`);
    }
    return next;
  });
}

/** Takes the image with this URL off the task; 404 when the task has none. */
export async function removeTaskImage(w: Write, user: UserPrincipal, taskId: string, url: string): Promise<Task> {
  return changeImages(w, user, taskId, (current) => {
    const next = current.filter((image) => image.url !== url);
    if (next.length === current.length) throw notFound("Image on this task");
    return next;
  }, true);
}

/** `takenOff`: the new list is what the task held less some, so not judged again (see editTask's `held`). */
async function changeImages(w: Write, user: UserPrincipal, taskId: string, change: (current: Image[]) => Image[], takenOff = false): Promise<Task> {
  const task = await userTaskToChange(w.sql, user, taskId);
  return editTask(w, user, taskId, { images: change(JSON.parse(task.images) as Image[]) }, takenOff);
}

function decodeSafely(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
