/**
 * How agent names compare: case-insensitively across all of Unicode, with
 * compatibility forms alike ("ﬁ" = "fi", full-width = ASCII). A creator's agent
 * names are unique under it, and @mentions match under it, so an @mention names
 * exactly one agent.
 */
export function foldName(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

/**
 * Which of `candidates` a comment @mentions, in the order they first appear: "@OpenClaw
 * Bot please…" mentions the agent named "OpenClaw Bot". Names compare by `foldName`;
 * the name must end at a word boundary, and when names overlap ("Bot", "Bot Two")
 * the longest wins.
 */
export function mentionedNames<T extends { name: string }>(body: string, candidates: readonly T[]): T[] {
  const text = foldName(body);
  const byLength = candidates.map((candidate) => ({ candidate, needle: "@" + foldName(candidate.name) }))
    .sort((a, b) => b.needle.length - a.needle.length);
  const taken: Array<[number, number]> = [];
  const found: Array<{ at: number; candidate: T }> = [];
  for (const { candidate, needle } of byLength) {
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
      found.push({ at, candidate });
      break;
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.candidate);
}
