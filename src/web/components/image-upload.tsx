/**
 * Screenshots into a task: pasted (Ctrl/Cmd+V anywhere on the page), dropped on the
 * task's details, or picked with "Upload image". Each is uploaded to the hub, which
 * answers a URL of its own, and the task's images get those URLs.
 */
import { useEffect, useRef, type ReactNode } from "react";
import { api, ApiError, isNoAnswer } from "../api.ts";
import type { TaskView } from "../types.ts";
import { ErrorNote } from "./states.tsx";
import { useAction } from "./use-action.ts";

const ACCEPT = "image/png,image/jpeg,image/gif,image/webp";

const isImage = (file: File) => file.type.startsWith("image/");
const imageFiles = (files: FileList | null | undefined): File[] => Array.from(files ?? []).filter(isImage);

export function ImageUpload({ task, children }: { task: TaskView; children: ReactNode }) {
  const upload = useAction();
  const input = useRef<HTMLInputElement>(null);
  // This render's `add` (it knows the task now), for the paste listener set up once.
  const latest = useRef<(files: File[]) => void>(() => {});

  /** Uploads the images among `files` into the task; says which of them are not images. */
  async function add(files: File[]) {
    if (files.length === 0) return;
    await upload.run(async () => {
      const images = files.filter(isImage);
      const others = files.filter((f) => !isImage(f)).map((f) => f.name || "a file");
      // Each on its own: one the hub refuses (too big, over the quota) names itself, and the others still go in.
      const added: { url: string; name: string }[] = [];
      const refused: string[] = [];
      // Whether some refusal was an answer (the hub's, or not an image), not only a request that got none.
      let answered = others.length > 0;
      for (const file of images) {
        try {
          const uploaded = await api.upload(task.workspaceId, file);
          added.push({ url: uploaded.url, name: uploaded.name ?? file.name ?? "" });
        } catch (e) {
          refused.push(`${file.name || "An image"}: ${(e as Error).message}`);
          answered ||= !isNoAnswer(e);
        }
      }
      if (added.length > 0) await api.addImages(task.id, added);
      if (others.length > 0) refused.push(`${others.join(", ")} ${others.length === 1 ? "is not an image" : "are not images"}: a task takes PNG, JPEG, GIF and WebP images.`);
      // Each refused for want of an answer: the note goes, as "Could not reach the hub" does, once the hub is reached.
      if (refused.length > 0) throw answered ? new Error(refused.join(" ")) : new ApiError(0, refused.join(" "));
    });
  }
  latest.current = (files) => void add(files);

  useEffect(() => {
    // Only a paste that carries image files: pasted text goes where it was pasted, as ever.
    const onPaste = (event: ClipboardEvent) => {
      const files = imageFiles(event.clipboardData?.files);
      if (files.length === 0) return;
      event.preventDefault();
      latest.current(files);
    };
    window.addEventListener("paste", onPaste);
    return () => window.removeEventListener("paste", onPaste);
  }, []);

  return (
    <div
      className="image-drop"
      onDragOver={(event) => { if (event.dataTransfer.types.includes("Files")) event.preventDefault(); }}
      onDrop={(event) => {
        // A drop of files was invited (onDragOver): left to the browser, it would open the file in the app's place.
        if (!event.dataTransfer.types.includes("Files")) return;
        event.preventDefault();
        void add(Array.from(event.dataTransfer.files));
      }}
    >
      {children}
      <div className="row">
        <button type="button" className="secondary" disabled={upload.busy} onClick={() => input.current?.click()}>
          {upload.busy ? "Uploading…" : "Upload image"}
        </button>
        <input ref={input} type="file" accept={ACCEPT} multiple hidden aria-label="Image file"
          onChange={(event) => {
            const files = Array.from(event.target.files ?? []);
            event.target.value = "";
            void add(files);
          }} />
        <span className="meta">or paste or drop a screenshot</span>
      </div>
      {upload.error && <ErrorNote error={upload.error} />}
    </div>
  );
}
