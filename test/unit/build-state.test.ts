import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildIsCurrent } from "../../scripts/build-state.mjs";

describe("whether the compiled CLI matches the source", () => {
  const root = mkdtempSync(join(tmpdir(), "gc-build-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const at = (path: string, seconds: number) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), "x");
    utimesSync(join(root, path), seconds, seconds);
  };
  const stamp = (seconds: number) => {
    mkdirSync(join(root, "dist/node"), { recursive: true });
    writeFileSync(join(root, "dist/node/BUILD"), String(seconds * 1000));
  };

  it("is not current without a build", () => {
    at("src/hub/hub.ts", 100);
    assert.equal(buildIsCurrent(root), false);
  });

  it("is current once built after every source change, and not after a later edit anywhere under src/", () => {
    at("src/hub/hub.ts", 100);
    at("src/hub/db/migrations/sqlite/0001_init.sql", 100);
    stamp(200);
    assert.equal(buildIsCurrent(root), true);
    at("src/hub/db/migrations/sqlite/0009_new.sql", 300);
    assert.equal(buildIsCurrent(root), false);
    stamp(400);
    assert.equal(buildIsCurrent(root), true);
  });

  it("ignores the web UI, which is built apart", () => {
    stamp(500);
    at("src/web/App.tsx", 900);
    assert.equal(buildIsCurrent(root), true);
  });

  it("is not current with an unreadable stamp", () => {
    writeFileSync(join(root, "dist/node/BUILD"), "garbage");
    assert.equal(buildIsCurrent(root), false);
  });

  it("is current with a build and no src/ (an installed copy), and not without the build", () => {
    rmSync(join(root, "src"), { recursive: true });
    stamp(100);
    assert.equal(buildIsCurrent(root), true);
    rmSync(join(root, "dist"), { recursive: true });
    assert.equal(buildIsCurrent(root), false);
  });
});
