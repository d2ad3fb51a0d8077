/**
 * What is being written, kept in the tab's sessionStorage under `key`: leaving the page (a link, back) or
 * reloading it does not lose it, and it goes once emptied (posted, saved, or cancelled).
 */
import { useEffect, useState } from "react";

const PREFIX = "groupchat-draft:";

function read(key: string): string | null {
  try {
    return sessionStorage.getItem(PREFIX + key);
  } catch {
    return null; // storage refused (a privacy mode): the draft lives only as long as the page
  }
}

function write(key: string, text: string | null): void {
  try {
    if (text === null) sessionStorage.removeItem(PREFIX + key);
    else sessionStorage.setItem(PREFIX + key, text);
  } catch {
    // as above: not kept, and nothing else to do
  }
}

/** Whether anything is kept under `key` in this tab (a draft, a form). */
export function isKept(key: string): boolean {
  return read(key) !== null;
}

/** Words being written (a comment): gone once "". */
export function useDraft(key: string): [string, (update: string | ((draft: string) => string)) => void] {
  const [draft, setDraft] = useState(() => read(key) ?? "");
  useEffect(() => write(key, draft || null), [key, draft]);
  return [draft, setDraft];
}

/**
 * A form being filled in (a task's edit), kept as JSON: gone once null. What was kept is read through `parse`,
 * and what it does not take (another version's shape, junk) is dropped.
 */
export function useKeptForm<T>(key: string, parse: (kept: unknown) => T | null): [T | null, (update: T | null | ((form: T | null) => T | null)) => void] {
  const [form, setForm] = useState<T | null>(() => {
    const text = read(key);
    try {
      return text === null ? null : parse(JSON.parse(text));
    } catch {
      return null;
    }
  });
  useEffect(() => write(key, form === null ? null : JSON.stringify(form)), [key, form]);
  return [form, setForm];
}
