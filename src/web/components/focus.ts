import { useEffect, useRef, useState } from "react";

/**
 * Where the focus goes when what had it goes away: a row removed, a button disabled while its action runs. The
 * browser drops it on the page's body, and the keyboard (and a screen reader) start again from the top.
 */

/** Nothing has the focus (the browser dropped it on the body). */
export function focusLost(): boolean {
  return document.activeElement === null || document.activeElement === document.body;
}

/** Focuses `el` if it can take it (in the page, not disabled); says whether it did. */
export function focusIf(el: Element | null | undefined): boolean {
  if (!(el instanceof HTMLElement) || !el.isConnected || el === document.body) return false;
  el.focus();
  return document.activeElement === el;
}

/**
 * After the row at `at` of `list` went: the focus to the control (`selector`) of the row now in its place,
 * or of the nearest one before it at the end of the list; else to `fallback`.
 */
export function focusNextRow(list: HTMLElement | null, at: number, selector: string, fallback?: Element | null): void {
  const rows = list ? Array.from(list.children) : [];
  const order = rows.slice(at).concat(rows.slice(0, at).reverse());
  if (order.some((row) => focusIf(row.querySelector(selector)))) return;
  focusIf(fallback);
}

/** Where the focus goes when no row is left to take it, given the list. */
export type Fallback = (list: HTMLElement | null) => Element | null | undefined;

/**
 * A list whose rows a person removes by keyboard (a member, a token, an agent): `removed(id, at)` once the hub
 * said yes; when `ids` (the rows shown, live or read again) no longer hold it, the focus goes to the control
 * (`selector`) of the row in its place (focusNextRow), else to `fallback`. `list` goes on the list's element.
 * `fallback` is read when needed: give one defined once (a module's function), not one made each render.
 */
export function useFocusAfterRemoval<L extends HTMLElement>(ids: readonly string[] | null, selector: string, fallback: Fallback) {
  const list = useRef<L>(null);
  const [removed, setRemoved] = useState<{ id: string; at: number } | null>(null);
  const shown = ids === null ? null : ids.join("\n");
  useEffect(() => {
    if (!removed || shown === null || shown.split("\n").includes(removed.id)) return;
    setRemoved(null);
    focusNextRow(list.current, removed.at, selector, fallback(list.current));
  }, [removed, shown, selector, fallback]);
  return { list, removed: (id: string, at: number) => setRemoved({ id, at }) };
}

/**
 * "Show more" (or older) under a list: the focus goes to the first of the rows it brings, as they come, rather than
 * staying on the button (or, once there are no more, being dropped with it). `shown` is how many rows the list has;
 * `more()` goes in the button's click; `list` on the list's element; `selector`, the control in a row to focus (else the
 * row itself, which then needs a tabIndex).
 */
export function useFocusOnMore<L extends HTMLElement>(shown: number, selector?: string) {
  const list = useRef<L>(null);
  const [from, setFrom] = useState<number | null>(null);
  useEffect(() => {
    if (from === null || shown <= from) return;
    setFrom(null);
    const row = list.current?.children[from];
    focusIf(selector ? row?.querySelector(selector) : row);
  }, [from, shown, selector]);
  return { list, more: () => setFrom(shown) };
}
