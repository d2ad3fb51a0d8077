/**
 * How agent names compare: case-insensitively across all of Unicode, with
 * compatibility forms alike ("ﬁ" = "fi", full-width = ASCII). A creator's agent
 * names are unique under it, and @mentions match under it, so an @mention names
 * exactly one agent.
 */
export function foldName(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

/** What a text's @mentions name: those it names (one each), and the names it uses that more than one goes by. */
export interface Mentions<T> {
  /** The candidates it @mentions, in the order they first appear. */
  named: T[];
  /**
   * Names it @mentions that two or more candidates go by under `foldName` (two people called Sam, or
   * an agent and a person): such a mention names no one, as no one can tell whom it meant. Each is
   * spelled as the first of them spells it, in the order they first appear.
   */
  ambiguous: string[];
}

/**
 * Which of `candidates` a comment @mentions: "@OpenClaw Bot please…" mentions the one named
 * "OpenClaw Bot". Names compare by `foldName`; the name must end at a word boundary, and when
 * names overlap ("Bot", "Bot Two") the longest wins (an ambiguous one too: "@Sam Lee" for two
 * "Sam Lee" is not a mention of a "Sam").
 */
export function mentionsIn<T extends { name: string }>(body: string, candidates: readonly T[]): Mentions<T> {
  const text = foldName(body);
  const byNeedle = new Map<string, T[]>();
  for (const candidate of candidates) {
    const needle = "@" + foldName(candidate.name);
    byNeedle.set(needle, [...(byNeedle.get(needle) ?? []), candidate]);
  }
  const taken: Array<[number, number]> = [];
  const found: Array<{ at: number; group: T[] }> = [];
  for (const [needle, group] of [...byNeedle].sort(([a], [b]) => b.length - a.length)) {
    let from = 0;
    for (;;) {
      const at = text.indexOf(needle, from);
      if (at < 0) break;
      from = at + 1;
      const end = at + needle.length;
      const before = at === 0 ? " " : text[at - 1]!;
      const after = end >= text.length ? " " : text[end]!;
      if (/[\p{L}\p{N}_]/u.test(before) || /[\p{L}\p{N}_]/u.test(after)) continue;
      if (taken.some(([s, e]) => at < e && end > s)) continue;
      taken.push([at, end]);
      found.push({ at, group });
      break;
    }
  }
  found.sort((a, b) => a.at - b.at);
  return {
    named: found.filter((f) => f.group.length === 1).map((f) => f.group[0]!),
    ambiguous: found.filter((f) => f.group.length > 1).map((f) => f.group[0]!.name),
  };
}

/** The candidates a comment @mentions unambiguously (`mentionsIn`), in the order they first appear. */
export function mentionedNames<T extends { name: string }>(body: string, candidates: readonly T[]): T[] {
  return mentionsIn(body, candidates).named;
}
