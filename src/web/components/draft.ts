/**
 * Words being written, kept in the tab's sessionStorage under `key`: leaving the page (a link, back) or
 * reloading it does not lose them, and they go once set to "" (posted, or cleared).
 */
import { useEffect, useState } from "react";

const PREFIX = "groupchat-draft:";

function read(key: string): string {
  try {
    return sessionStorage.getItem(PREFIX + key) ?? "";
  } catch {
    return ""; // storage refused (a privacy mode): the draft lives only as long as the page
  }
}

export function useDraft(key: string): [string, (update: string | ((draft: string) => string)) => void] {
  const [draft, setDraft] = useState(() => read(key));
  useEffect(() => {
    try {
      if (draft) sessionStorage.setItem(PREFIX + key, draft);
      else sessionStorage.removeItem(PREFIX + key);
    } catch {
      // as above: not kept, and nothing else to do
    }
  }, [key, draft]);
  return [draft, setDraft];
}
