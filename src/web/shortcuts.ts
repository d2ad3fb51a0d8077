/**
 * Keyboard shortcuts, as in Linear: `?` lists them, `g` then a letter goes to a page, single letters act on the
 * page shown. `decide` is the whole policy (pure: a key press and what came before in, a command out); the hook
 * below wires it to the window. Pages say what they offer with `useShortcut`: this module knows their keys, not
 * their elements.
 *
 *   idle ──g──▶ after g ──b/r/a/n/t (within SEQUENCE_MS)──▶ go
 *     ▲            │ any other key, or too late: idle, and that key is read afresh
 *     └────────────┘
 */
import { useEffect, useRef } from "react";

/** What a page offers to the keyboard (a focus, a form opened): it registers each with `useShortcut`. */
export type PageAction = "search" | "create" | "edit" | "status" | "delegate" | "reply";
export type Place = "board" | "runs" | "agents" | "notifications" | "tokens";
export type Command =
  | { kind: "help" }
  | { kind: "go"; to: Place; then?: PageAction }
  | { kind: "page"; action: PageAction };

export interface Shortcut { group: "Anywhere" | "Board" | "Task"; keys: readonly string[]; does: string; command: Command }

/** Every shortcut, as the help dialog (and README) list them. */
export const SHORTCUTS: readonly Shortcut[] = [
  { group: "Anywhere", keys: ["?"], does: "Show these shortcuts", command: { kind: "help" } },
  { group: "Anywhere", keys: ["g", "b"], does: "Go to the board (of the last board or task opened)", command: { kind: "go", to: "board" } },
  { group: "Anywhere", keys: ["g", "r"], does: "Go to Runs", command: { kind: "go", to: "runs" } },
  { group: "Anywhere", keys: ["g", "a"], does: "Go to Agents", command: { kind: "go", to: "agents" } },
  { group: "Anywhere", keys: ["g", "n"], does: "Go to Notifications", command: { kind: "go", to: "notifications" } },
  { group: "Anywhere", keys: ["g", "t"], does: "Go to API tokens", command: { kind: "go", to: "tokens" } },
  { group: "Anywhere", keys: ["/"], does: "Search the board's tasks (from another page, on the last board)", command: { kind: "page", action: "search" } },
  { group: "Board", keys: ["c"], does: "New task: to its title", command: { kind: "page", action: "create" } },
  { group: "Task", keys: ["e"], does: "Edit the task", command: { kind: "page", action: "edit" } },
  { group: "Task", keys: ["s"], does: "Change its status", command: { kind: "page", action: "status" } },
  { group: "Task", keys: ["d"], does: "Delegate: to the agent picker", command: { kind: "page", action: "delegate" } },
  { group: "Task", keys: ["r"], does: "Reply: to the comment box", command: { kind: "page", action: "reply" } },
];

/** How long a `g` waits for its second key. */
export const SEQUENCE_MS = 1500;

export interface KeyPress {
  /** `KeyboardEvent.key`: the character the layout gives, so `?` and `/` work whatever keys make them. */
  key: string;
  ctrl: boolean;
  meta: boolean;
  alt: boolean;
  /** An IME is composing: the key is part of a word being written. */
  composing: boolean;
  /** The focus is in a field that takes text (input, textarea, select, contenteditable). */
  typing: boolean;
  /** A dialog or panel that takes keys is open (it handles its own, Escape among them). */
  blocked: boolean;
  /** When, in ms (any clock, the same each time). */
  at: number;
}

/** A `g` pressed at `at`, waiting for its second key; or none. */
export type Pending = { at: number } | null;

export function decide(press: KeyPress, pending: Pending, offered: ReadonlySet<PageAction>): { pending: Pending; command: Command | null } {
  if (press.ctrl || press.meta || press.alt || press.composing || press.typing || press.blocked) return { pending: null, command: null };
  if (pending && press.at - pending.at <= SEQUENCE_MS) {
    const second = SHORTCUTS.find((s) => s.keys.length === 2 && s.keys[0] === "g" && s.keys[1] === press.key);
    if (second) return { pending: null, command: second.command };
  }
  if (press.key === "g") return { pending: { at: press.at }, command: null };
  const single = SHORTCUTS.find((s) => s.keys.length === 1 && s.keys[0] === press.key);
  if (!single) return { pending: null, command: null };
  const { command } = single;
  if (command.kind !== "page" || offered.has(command.action)) return { pending: null, command };
  // No search on this page: the board's, there.
  if (command.action === "search") return { pending: null, command: { kind: "go", to: "board", then: "search" } };
  return { pending: null, command: null };
}

// ---- Wiring: what pages offer, and the window's keys. ----

const offered = new Map<PageAction, { run: () => void }>();
/** An action to run once the page that offers it shows (`/` from another page: the board's search), until `until`. */
let intent: { action: PageAction; until: number } | null = null;
const INTENT_MS = 10_000;

/** This page offers `action`: `run` does it. A null action offers nothing (Edit while already editing, say). */
export function useShortcut(action: PageAction | null, run: () => void): void {
  const latest = useRef(run);
  latest.current = run;
  useEffect(() => {
    if (!action) return;
    const entry = { run: () => latest.current() };
    offered.set(action, entry);
    if (intent?.action === action) {
      const fresh = intent.until >= Date.now();
      intent = null;
      // After the rest of this commit's effects: the shell moves the focus to a new page's content first.
      if (fresh) setTimeout(entry.run, 0);
    }
    return () => {
      if (offered.get(action) === entry) offered.delete(action);
    };
  }, [action]);
}

/** The fields a key goes into as text, where no shortcut fires. */
function takesText(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** A modal dialog, or an open panel marked `data-takes-keys` (Settings, Members), holds the keyboard. */
const KEY_TAKERS = '[aria-modal="true"], details[open][data-takes-keys]';

/** Listens on the window for the shell: `go` gives the path of each place, `help` opens the list. */
export function useShortcutKeys({ go, help }: { go: (to: Place) => void; help: () => void }): void {
  const handlers = useRef({ go, help });
  handlers.current = { go, help };
  useEffect(() => {
    let pending: Pending = null;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      // AltGr (reported as Ctrl+Alt on Windows) is how some layouts type `/` or `?`: the character counts, not it.
      const altGraph = event.getModifierState("AltGraph");
      const press: KeyPress = {
        key: event.key, ctrl: event.ctrlKey && !altGraph, meta: event.metaKey, alt: event.altKey && !altGraph, composing: event.isComposing,
        typing: takesText(event.target), blocked: document.querySelector(KEY_TAKERS) !== null, at: event.timeStamp,
      };
      const decided = decide(press, pending, new Set(offered.keys()));
      pending = decided.pending;
      const { command } = decided;
      if (!command) return;
      // Not typed anywhere: a field the focus moves to would get the key as text.
      event.preventDefault();
      switch (command.kind) {
        case "help":
          return handlers.current.help();
        case "go":
          intent = command.then ? { action: command.then, until: Date.now() + INTENT_MS } : null;
          return handlers.current.go(command.to);
        case "page":
          return offered.get(command.action)?.run();
        default:
          return command satisfies never;
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
