/**
 * `hub backup`: a copy of the data dir taken while the hub serves and writes,
 * whole and consistent, that a hub then serves as it was at one commit.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cli, serve, spawnHub, stop } from "../support/cli.ts";
import { request } from "../support/hub.ts";

describe("hub backup", { timeout: 300_000 }, () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "gc-backup-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("copies a serving hub's data dir while it writes; the copy serves every task it holds whole, with the same tokens", async () => {
    const data = join(dir, "live");
    const creds = JSON.parse((await cli("hub", "init", "--data", data, "--json")).stdout);
    const hub = spawnHub(data);
    const copy = join(dir, "copy");
    let restored: ReturnType<typeof spawnHub> | undefined;
    try {
      const { convexUrl } = await serve(hub);
      const owner = (method: string, path: string, body?: unknown) => request(`${convexUrl}/api/v1${path}`, {
        method, headers: { authorization: `Bearer ${creds.ownerToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // Tasks with three comments each, written all the while the backup runs.
      let writing = true;
      let made = 0;
      const writer = (async () => {
        while (writing) {
          const task = await owner("POST", "/tasks", { projectId: creds.projectId, title: `Task ${made}`, description: "x".repeat(2000) });
          assert.equal(task.status, 201);
          for (let c = 0; c < 3; c++) assert.equal((await owner("POST", `/tasks/${task.body.id}/comments`, { body: `Comment ${c}` })).status, 201);
          made++;
        }
      })();
      while (made < 20) await new Promise((resolve) => setTimeout(resolve, 20));
      const madeBefore = made;
      const backup = await cli("hub", "backup", "--data", data, "--out", copy, "--json");
      const madeDuring = made - madeBefore;
      writing = false;
      await writer;
      assert.equal(backup.code, 0, backup.stderr);
      const result = JSON.parse(backup.stdout);
      assert.equal(result.dir, copy);
      assert.ok(result.databaseBytes > 0);
      assert.equal(statSync(join(copy, "credentials.json")).mode & 0o777, 0o600);
      assert.deepEqual(JSON.parse(readFileSync(join(copy, "credentials.json"), "utf8")), creds);

      // The copy serves, beside the original (another data dir), with the same tokens.
      restored = spawnHub(copy);
      const restoredUrl = (await serve(restored)).convexUrl;
      const tasks = await request(`${restoredUrl}/api/v1/tasks?limit=500`, { headers: { authorization: `Bearer ${creds.ownerToken}` } });
      assert.equal(tasks.status, 200);
      assert.ok(tasks.body.length >= madeBefore && tasks.body.length <= made + 1, `${tasks.body.length} tasks in the copy, ${madeBefore} made before it, ${made} in all`);
      assert.ok(madeDuring > 0, "the hub wrote while the backup ran");
      // Everything in it from one moment: each task but the newest has all of its comments.
      for (const task of tasks.body.slice(1)) {
        const detail = await request(`${restoredUrl}/api/v1/tasks/${task.id}`, { headers: { authorization: `Bearer ${creds.ownerToken}` } });
        assert.equal(detail.body.activity.filter((a: { type: string }) => a.type === "comment").length, 3, `${task.title} is whole`);
      }
    } finally {
      assert.equal(await stop(hub), 0);
      if (restored) assert.equal(await stop(restored), 0);
    }
  });

  it("refuses, with one line and exit 1, a destination that is not empty, and a dir that is not set up; without --out, exit 2", async () => {
    const data = join(dir, "source");
    assert.equal((await cli("hub", "init", "--data", data)).code, 0);
    const taken = join(dir, "taken");
    mkdirSync(taken);
    writeFileSync(join(taken, "keep.txt"), "mine");
    const refused = await cli("hub", "backup", "--data", data, "--out", taken);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /already exists and is not an empty directory/);
    assert.equal(readFileSync(join(taken, "keep.txt"), "utf8"), "mine");
    const empty = await cli("hub", "backup", "--data", join(dir, "nothing"), "--out", join(dir, "nothing-copy"));
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /is not a set-up hub data dir/);
    const same = await cli("hub", "backup", "--data", data, "--out", data);
    assert.equal(same.code, 1);
    const usage = await cli("hub", "backup", "--data", data);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /needs --out/);
  });
});
