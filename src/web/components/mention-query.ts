/**
 * The @mention picker's decisions, pure: which `@…` the caret is in, who it could name, and the text once one
 * is picked. Names compare as the hub compares them (hub/domain/mentions.ts), so what is picked is what it matches.
 */
import { foldName } from "../../hub/domain/mentions.ts";

export interface MentionCandidate {
  id: string;
  name: string;
  /** One of the signed-in person's agents (a mention starts a run for it), or a person of the task's workspace. */
  kind: "agent" | "person";
  /** Another candidate goes by the same name: the hub tells neither, so it cannot be picked. */
  ambiguous: boolean;
}

/** The `@` the caret is typing after, and what follows it up to the caret; null when there is none. */
export interface OpenMention {
  /** Where the `@` is. */
  start: number;
  query: string;
}

/** How far back from the caret an `@` is looked for: longer than any name a person types before picking. */
const MAX_QUERY = 60;
const WORD = /[\p{L}\p{N}_]/u;

export function openMention(text: string, caret: number): OpenMention | null {
  for (let at = caret - 1; at >= 0 && caret - at <= MAX_QUERY + 1; at--) {
    const ch = text[at]!;
    if (ch === "\n") return null;
    if (ch !== "@") continue;
    // As the hub reads one: an @ right after a letter (an email address) starts no mention.
    if (at > 0 && WORD.test(text[at - 1]!)) return null;
    const query = text.slice(at + 1, caret);
    return query.startsWith(" ") ? null : { start: at, query };
  }
  return null;
}

/** The agents (first) and the people, but the signed-in person (never told of their own words), each marked when its name is shared. */
export function mentionCandidates(
  agents: readonly { id: string; name: string }[],
  people: readonly { id: string; name: string }[],
  meId: string | null,
): MentionCandidate[] {
  const all = [
    ...agents.map((a) => ({ id: a.id, name: a.name, kind: "agent" as const })),
    ...people.filter((p) => p.id !== meId).map((p) => ({ id: p.id, name: p.name, kind: "person" as const })),
  ];
  const count = new Map<string, number>();
  for (const c of all) count.set(foldName(c.name), (count.get(foldName(c.name)) ?? 0) + 1);
  return all.map((c) => ({ ...c, ambiguous: count.get(foldName(c.name))! > 1 }));
}

/** Those whose name, or a word of it, starts with the query (those whose whole name does first); at most `limit`. */
export function matchingCandidates(candidates: readonly MentionCandidate[], query: string, limit = 8): MentionCandidate[] {
  const q = foldName(query);
  const starts = candidates.filter((c) => foldName(c.name).startsWith(q));
  const within = candidates.filter((c) => !starts.includes(c) && foldName(c.name).split(/\s+/).some((word) => word.startsWith(q)));
  return [...starts, ...within].slice(0, limit);
}

/** The text with the open mention (from its `@` to the caret) replaced by `@Name `, and where the caret goes. */
export function insertMention(text: string, open: OpenMention, caret: number, name: string): { text: string; caret: number } {
  const rest = text.slice(caret);
  const inserted = `@${name}${rest.startsWith(" ") ? "" : " "}`;
  return { text: text.slice(0, open.start) + inserted + rest, caret: open.start + inserted.length + (rest.startsWith(" ") ? 1 : 0) };
}
