/**
 * What is being written, kept in the tab's sessionStorage under `key`: leaving the page (a link, back) or
 * reloading it does not lose it, and it goes once emptied (posted, saved, or cancelled).
 */
import { useCallback, useRef, useState } from "react";

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

/**
 * What is left to write once `sent` went (posted, sent): the words typed after it while it was on its way, or
 * nothing; the box as it is when those words were changed meanwhile (nothing is lost, should the person have
 * been correcting what went).
 */
export function afterSent(now: string, sent: string): string {
  return now.startsWith(sent) ? now.slice(sent.length).trimStart() : now;
}

/** Whether anything is kept under `key` in this tab (a draft, a form). */
export function isKept(key: string): boolean {
  return read(key) !== null;
}

/**
 * A value kept under `key`, written as it is set: an answer that comes once the page is gone (a comment posted, an
 * edit saved while the person went to another page) still empties what it sent, where React drops a state update.
 */
function useKept<T>(key: string, initial: () => T, encode: (value: T) => string | null): [T, (update: T | ((value: T) => T)) => void] {
  const [value, setValue] = useState(initial);
  const latest = useRef(value);
  const set = useCallback((update: T | ((value: T) => T)) => {
    const next = typeof update === "function" ? (update as (value: T) => T)(latest.current) : update;
    latest.current = next;
    write(key, encode(next));
    setValue(next);
  }, [key, encode]);
  return [value, set];
}

const textOrNone = (draft: string) => draft || null;
const jsonOrNone = (form: unknown) => (form === null ? null : JSON.stringify(form));

/** Words being written (a comment): gone once "". */
export function useDraft(key: string): [string, (update: string | ((draft: string) => string)) => void] {
  return useKept(key, () => read(key) ?? "", textOrNone);
}

/**
 * A form being filled in (a task's edit), kept as JSON: gone once null. What was kept is read through `parse`,
 * and what it does not take (another version's shape, junk) is dropped.
 */
export function useKeptForm<T>(key: string, parse: (kept: unknown) => T | null): [T | null, (update: T | null | ((form: T | null) => T | null)) => void] {
  return useKept<T | null>(key, () => {
    const text = read(key);
    try {
      return text === null ? null : parse(JSON.parse(text));
    } catch {
      return null;
    }
  }, jsonOrNone);
}
