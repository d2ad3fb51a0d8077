import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { invocation, type InvocationFacts } from "../../src/invocation.ts";

/** A machine whose files are `files`, with PATH `path`. */
function facts(script: string | undefined, path: string, files: string[], npmCommand?: string): InvocationFacts {
  return { script, path, npmCommand, exists: (file) => files.includes(file) };
}

describe("the command printed for people: how this copy of openclaw-groupchat is run", () => {
  const globalBin = "/usr/local/bin/openclaw-groupchat";

  it("is the plain name when this process is the bin npm linked onto the PATH (a global install)", () => {
    assert.deepEqual(invocation(facts(globalBin, "/usr/bin:/usr/local/bin", [globalBin])), ["openclaw-groupchat"]);
  });

  it("is npx from a clone, where node runs bin/openclaw-groupchat.mjs", () => {
    assert.deepEqual(invocation(facts("/src/openclaw-groupchat/bin/openclaw-groupchat.mjs", "/usr/bin", [])), ["npx", "openclaw-groupchat"]);
  });

  it("is npx from a project's node_modules/.bin, which is not on the PATH", () => {
    const bin = "/app/node_modules/.bin/openclaw-groupchat";
    assert.deepEqual(invocation(facts(bin, "/usr/bin:/usr/local/bin", [bin])), ["npx", "openclaw-groupchat"]);
  });

  it("is npx when npm started it (npx, npm run), though npm put its bin on the PATH", () => {
    const bin = "/app/node_modules/.bin/openclaw-groupchat";
    assert.deepEqual(invocation(facts(bin, `/app/node_modules/.bin:/usr/bin`, [bin], "exec")), ["npx", "openclaw-groupchat"]);
    assert.deepEqual(invocation(facts(bin, `/app/node_modules/.bin:/usr/bin`, [bin], "run-script")), ["npx", "openclaw-groupchat"]);
  });

  it("is npx when another openclaw-groupchat comes first on the PATH, which the plain name would run", () => {
    const other = "/home/me/bin/openclaw-groupchat";
    assert.deepEqual(invocation(facts(globalBin, "/home/me/bin:/usr/local/bin", [other, globalBin])), ["npx", "openclaw-groupchat"]);
  });

  it("is npx without a script or a PATH", () => {
    assert.deepEqual(invocation(facts(undefined, "/usr/local/bin", [globalBin])), ["npx", "openclaw-groupchat"]);
    assert.deepEqual(invocation({ script: globalBin, path: undefined, npmCommand: undefined, exists: () => true }), ["npx", "openclaw-groupchat"]);
  });
});
