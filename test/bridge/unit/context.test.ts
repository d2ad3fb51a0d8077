import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extraSystemPrompt, sessionKeyFor, taskIdOf, turnKeyFor, turnMessage } from "../../../src/bridge/context.ts";
import type { AgentRunDetail } from "../../../src/sdk/index.ts";

function run(overrides: Partial<AgentRunDetail> = {}): AgentRunDetail {
  return {
    id: "run_1", taskTitle: "Fix the login bug", prompt: "Please fix it", lastFollowUpMessage: null, taskId: "task_9",
    task: {
      id: "task_9", title: "Fix the login bug", description: "It crashes on submit", images: [{ url: "https://x/y.png", name: "crash.png" }],
      dueDate: "2026-12-01", owner: { id: "u1", name: "Ada" }, creator: { id: "u1", name: "Ada" }, status: "doing",
    },
    activity: [],
    owner: { id: "u1", name: "Ada" },
    ...overrides,
  };
}

describe("what OpenClaw is told about a run", () => {
  it("one session per task, one turn key per run", () => {
    assert.equal(sessionKeyFor(taskIdOf(run())), "agent:main:groupchat-task_9");
    assert.equal(sessionKeyFor("t/../x", "work"), "agent:work:groupchat-t____x");
    assert.equal(turnKeyFor("run_1"), "groupchat-run-run_1");
    // Hosted GroupChat may leave out taskId: the task's own id is used.
    assert.equal(taskIdOf(run({ taskId: undefined })), "task_9");
  });

  it("sends the prompt, or the follow-up message when there is one", () => {
    assert.equal(turnMessage(run()), "Please fix it");
    assert.equal(turnMessage(run({ lastFollowUpMessage: "Also add tests" })), "Also add tests");
  });

  it("puts the task's title, description, images, due date, owner and thread in the context", () => {
    const text = extraSystemPrompt(run({
      activity: [
        { type: "comment", body: "Starting work", author: { id: "a", name: "Bot", kind: "agent" }, createdAt: 1 },
        { type: "status_change", body: "", author: { id: "a", name: "Bot", kind: "agent" }, createdAt: 2 },
        { type: "comment", body: "Use the staging DB", author: { id: "u1", name: "Ada", kind: "user" }, createdAt: 3 },
      ],
    }), "/work/task_9");
    for (const part of ["Fix the login bug", "It crashes on submit", "crash.png: https://x/y.png", "Due: 2026-12-01", "Owner: Ada", "/work/task_9", "Bot (agent): Starting work", "Ada: Use the staging DB"]) {
      assert.ok(text.includes(part), `missing ${part}`);
    }
    assert.ok(text.indexOf("Starting work") < text.indexOf("Use the staging DB"), "thread oldest first");
  });

  it("keeps the newest comments when the thread is too long, and says how many it left out", () => {
    const activity = Array.from({ length: 200 }, (_, i) => ({
      type: "comment" as const, body: `comment number ${i} ${"words ".repeat(40)}`, author: { id: "u", name: "Ada", kind: "user" as const }, createdAt: i,
    }));
    const text = extraSystemPrompt(run({ activity }), "/w", { maxChars: 6_000 });
    assert.ok(text.length <= 6_000, `${text.length} chars`);
    assert.ok(text.includes("comment number 199"));
    assert.ok(!text.includes("comment number 0 "));
    assert.match(text, /\(\d+ earlier comments not shown\)/);
  });

  it("clips a huge description", () => {
    const text = extraSystemPrompt(run({ task: { ...run().task, description: "d".repeat(50_000) } }), "/w");
    assert.ok(text.length <= 12_000);
  });
});
