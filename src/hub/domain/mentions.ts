/**
 * Which of `candidates` a comment @mentions: "@OpenClaw Bot please…" mentions the
 * agent named "OpenClaw Bot". Case-insensitive; the name must end at a word
 * boundary, and when names overlap ("Bot", "Bot Two") the longest wins.
 */
export function mentionedNames<T extends { name: string }>(body: string, candidates: readonly T[]): T[] {
  const text = body.toLowerCase();
  const byLength = [...candidates].sort((a, b) => b.name.length - a.name.length);
  const taken: Array<[number, number]> = [];
  const found: T[] = [];
  for (const candidate of byLength) {
    const needle = "@" + candidate.name.toLowerCase();
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
      found.push(candidate);
      break;
    }
  }
  return found;
}
