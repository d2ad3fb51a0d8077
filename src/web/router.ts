/**
 * The UI's routes, on the History API (the hub serves index.html for each; see
 * src/hub/http/web.ts, which lists the same paths).
 */
import { useEffect, useState } from "react";

export type Route =
  | { page: "home" }
  | { page: "login"; code: string | null }
  | { page: "join"; code: string | null }
  | { page: "board"; projectId: string }
  | { page: "task"; taskId: string }
  | { page: "agents" }
  | { page: "runs" }
  | { page: "tokens" }
  | { page: "notifications" }
  | { page: "missing" }
  /** The address has a broken %-escape (`/tasks/%E0%A4%A`): no page can be named by it. */
  | { page: "malformed" };

export function parseRoute(pathname: string, hash: string): Route {
  let parts: string[];
  try {
    parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return { page: "malformed" };
  }
  const [first, second] = parts;
  if (parts.length === 0) return { page: "home" };
  if ((first === "login" || first === "join") && parts.length === 1) {
    const code = new URLSearchParams(hash.replace(/^#/, "")).get("code");
    return { page: first, code };
  }
  if (first === "projects" && second && parts.length === 2) return { page: "board", projectId: second };
  if (first === "tasks" && second && parts.length === 2) return { page: "task", taskId: second };
  if (first === "agents" && parts.length === 1) return { page: "agents" };
  if (first === "runs" && parts.length === 1) return { page: "runs" };
  if (first === "tokens" && parts.length === 1) return { page: "tokens" };
  if (first === "notifications" && parts.length === 1) return { page: "notifications" };
  return { page: "missing" };
}

/**
 * What was pasted in a sign-in (or invite) field: the code, or the whole link it came in (`…/login#code=gcl_…`),
 * whose code it takes. Anything else goes as typed (trimmed), for the hub to refuse.
 */
export function pastedCode(text: string): string {
  const pasted = text.trim();
  if (!/^https?:\/\//i.test(pasted)) return pasted;
  try {
    const url = new URL(pasted);
    return new URLSearchParams(url.hash.replace(/^#/, "")).get("code") ?? url.searchParams.get("code") ?? pasted;
  } catch {
    return pasted;
  }
}

/** A parameter of the address's query string (`?q=`), or "" when absent. */
export function queryParam(name: string): string {
  return new URLSearchParams(location.search).get(name) ?? "";
}

/** Puts `?name=value` in the address (or takes it out for ""), in place: a reload or a shared link keeps it. */
export function replaceQueryParam(name: string, value: string): void {
  const url = new URL(location.href);
  if (value) url.searchParams.set(name, value);
  else url.searchParams.delete(name);
  if (url.href !== location.href) history.replaceState(history.state, "", url);
}

const listeners = new Set<() => void>();

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  for (const listener of listeners) listener();
}

/**
 * Leaves the page at `from` for `path`, in place (`from` is gone: a task deleted, a workspace left), unless the person
 * went elsewhere while the hub answered: theirs is the page they are on now.
 */
export function leave(from: string, path: string): void {
  if (location.pathname === from) navigate(path, { replace: true });
}

/**
 * The route, and which navigation brought it (a link, back, forward; one more each): a page keyed by `visit` starts
 * afresh from its address, as a load does, also when the path is the same and only its query differs (`/runs` after
 * `/runs?status=failed`), which a page keeps to itself once shown (replaceQueryParam).
 */
export function useRoute(): { route: Route; visit: number } {
  const read = () => parseRoute(location.pathname, location.hash);
  const [at, setAt] = useState(() => ({ route: read(), visit: 0 }));
  useEffect(() => {
    const update = () => setAt((was) => ({ route: read(), visit: was.visit + 1 }));
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return at;
}
