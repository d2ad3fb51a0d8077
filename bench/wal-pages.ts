/**
 * bench/wal-pages: which B-trees a COMMIT writes under the lifecycle workload.
 * Drives lifecycles against the real hub, then, with the hub idle, reads the
 * frames its WAL holds (those since the WAL last started over) and names each
 * frame's page by its table or index (SQLite's dbstat). Fewer frames per commit
 * is less to write and less for the checkpointer to copy back.
 *
 *   npm run bench:wal-pages [-- --seconds 3 --concurrency 64 --writer thread]
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { drive, startLifecycleHub } from "./lifecycle-hub.ts";
import { fmt } from "./support.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "64" },
    writer: { type: "string" },
  },
});
const concurrency = Number(values.concurrency);

const hub = await startLifecycleHub(".", values.writer, concurrency);
const copy = mkdtempSync(join(tmpdir(), "gc-wal-"));
try {
  await drive(hub.lifecycle, concurrency, 1000); // warm-up
  const { count } = await drive(hub.lifecycle, concurrency, Number(values.seconds) * 1000);
  console.log(`bench/wal-pages  (${fmt(count)} lifecycles in ${values.seconds}s, ${concurrency} loops, writer ${values.writer ?? "local (default)"})`);
  // The hub is idle now: nothing appends to its WAL while it is copied.
  for (const suffix of ["", "-wal"]) copyFileSync(join(hub.dataDir, `hub.sqlite${suffix}`), join(copy, `hub.sqlite${suffix}`));
} finally {
  await hub.stop();
}

// The WAL format (sqlite.org/walformat.html): a 32-byte header, then frames of a
// 24-byte header (page number; database size in pages, non-zero on a commit's last frame) and a page.
const wal = readFileSync(join(copy, "hub.sqlite-wal"));
const pageSize = wal.readUInt32BE(8);
const commits: number[][] = [];
let frames: number[] = [];
for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
  frames.push(wal.readUInt32BE(at));
  if (wal.readUInt32BE(at + 4) !== 0) {
    commits.push(frames);
    frames = [];
  }
}
// Opening the copy folds its WAL in; dbstat then says which B-tree owns each page.
const db = new BetterSqlite3(join(copy, "hub.sqlite"));
const owner = new Map<number, string>();
for (const row of db.prepare("SELECT name, pageno, pagetype FROM dbstat").all() as { name: string; pageno: number; pagetype: string }[]) {
  owner.set(row.pageno, row.pagetype === "internal" ? `${row.name} (interior)` : row.name);
}
db.close();
rmSync(copy, { recursive: true, force: true });

const tally = new Map<string, number>();
let total = 0;
for (const commit of commits) {
  for (const page of commit) {
    const name = page === 1 ? "page 1 (header)" : owner.get(page) ?? "(freed since)";
    tally.set(name, (tally.get(name) ?? 0) + 1);
    total++;
  }
}
if (commits.length === 0) throw new Error("The WAL held no commit: run longer, or the hub checkpointed it away");
console.log(`  ${fmt(commits.length)} commits in the WAL, ${fmt(total / commits.length, 1)} frames (pages of ${pageSize} B) per commit`);
for (const [name, n] of [...tally].sort((a, b) => b[1] - a[1])) console.log(`  ${fmt(n / commits.length, 2).padStart(6)}  ${name}`);
