/**
 * The tab's name: the page's own (a project, a task, "Agents"), then the app's, with the unread
 * count in front; what a tab strip, the history and a screen reader say of the page.
 */
import { useEffect } from "react";

const APP = "GroupChat hub";
let page: string | null = null;
let unread = 0;

function show(): void {
  document.title = `${unread > 0 ? `(${unread}) ` : ""}${page ? `${page} · ${APP}` : APP}`;
}

/** This page's name while it is mounted; null while it is not known yet (the last one stays). */
export function usePageTitle(title: string | null): void {
  useEffect(() => {
    if (title === null) return;
    page = title;
    show();
  }, [title]);
}

export function useUnreadInTitle(count: number): void {
  useEffect(() => {
    unread = count;
    show();
  }, [count]);
}
