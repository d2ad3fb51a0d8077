import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { passesCsrf, readCookie, sameOrigin, sessionCookie } from "../../src/hub/http/session-cookie.ts";
import { isUiPath } from "../../src/hub/http/web.ts";
import { formatDuration, formatUsd, isOverdue, runDuration, truncate } from "../../src/web/format.ts";
import { notificationSentence, sentenceText, type Describable } from "../../src/hub/domain/notification-text.ts";
import { parseRoute, pastedCode } from "../../src/web/router.ts";
import { countsSentence, runFilterOf } from "../../src/web/run-filter.ts";
import { settle, theirs } from "../../src/web/components/followed-field.ts";
import { parseTaskEdit, settleEdit, startEdit } from "../../src/web/components/task-edit.ts";
import { afterSent } from "../../src/web/components/draft.ts";
import { failed, type Live } from "../../src/web/live-state.ts";
import { sessionRetryDelay } from "../../src/web/session.ts";
import { decide, SEQUENCE_MS, SHORTCUTS, type KeyPress, type PageAction } from "../../src/web/shortcuts.ts";
import { insertMention, matchingCandidates, mentionCandidates, openMention } from "../../src/web/components/mention-query.ts";

describe("session cookie rules", () => {
  it("reads one cookie among several, and nothing from junk", () => {
    assert.equal(readCookie("a=1; gc_session=gcs_x; b=2", "gc_session"), "gcs_x");
    assert.equal(readCookie("gc_sessionx=1", "gc_session"), null);
    assert.equal(readCookie("gc_session=%E0%A4%A", "gc_session"), null);
    assert.equal(readCookie(undefined, "gc_session"), null);
  });

  it("sets HttpOnly, SameSite=Strict and Path=/, Secure over https", () => {
    assert.equal(sessionCookie("gcs_x", 60_000, false), "gc_session=gcs_x; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
    assert.match(sessionCookie("gcs_x", 60_000, true), /; Secure$/);
  });

  it("lets reads through and asks mutations for the header", () => {
    assert.equal(passesCsrf("GET", {}), true);
    assert.equal(passesCsrf("POST", {}), false);
    assert.equal(passesCsrf("DELETE", { "x-groupchat-csrf": "1" }), true);
  });

  it("takes a socket's cookie only from a same-origin page", () => {
    assert.equal(sameOrigin({ host: "127.0.0.1:3210", origin: "http://127.0.0.1:3210" }), true);
    assert.equal(sameOrigin({ host: "127.0.0.1:3210", origin: "http://evil.example" }), false);
    assert.equal(sameOrigin({ host: "127.0.0.1:3210", origin: "null" }), false);
    assert.equal(sameOrigin({ host: "127.0.0.1:3210" }), true, "no Origin: not a browser");
  });
});

describe("web UI routes", () => {
  it("the hub serves the app exactly on the UI's routes", () => {
    for (const path of ["/", "/login", "/join", "/agents", "/runs", "/runs?status=failed", "/tokens", "/notifications", "/projects/prj_1", "/tasks/task_1?x=1"]) assert.ok(isUiPath(path), path);
    for (const path of ["/nowhere", "/api/v1/x", "/tasks", "/tasks/a/b", "/healthz"]) assert.ok(!isUiPath(path), path);
  });

  it("parses the same routes on the client, with the sign-in code from the fragment", () => {
    assert.deepEqual(parseRoute("/login", "#code=gcl_abc"), { page: "login", code: "gcl_abc" });
    assert.deepEqual(parseRoute("/join", "#code=gci_abc"), { page: "join", code: "gci_abc" });
    assert.deepEqual(parseRoute("/tasks/task_1", ""), { page: "task", taskId: "task_1" });
    assert.deepEqual(parseRoute("/projects/prj_1", ""), { page: "board", projectId: "prj_1" });
    assert.deepEqual(parseRoute("/tokens", ""), { page: "tokens" });
    assert.deepEqual(parseRoute("/runs", ""), { page: "runs" });
    assert.deepEqual(parseRoute("/nope/x/y", ""), { page: "missing" });
    assert.deepEqual(parseRoute("/tasks/%E0%A4%A", ""), { page: "malformed" });
  });

  it("takes the code out of a whole sign-in link pasted in the field, and a bare code as it is", () => {
    assert.equal(pastedCode(" gcl_abc \n"), "gcl_abc");
    assert.equal(pastedCode("http://127.0.0.1:3210/login#code=gcl_a%2Fb"), "gcl_a/b");
    assert.equal(pastedCode("  https://hub.example.com/login?x=1#code=gcl_abc  "), "gcl_abc");
    assert.equal(pastedCode("https://hub.example.com/login"), "https://hub.example.com/login", "no code in it: sent as typed, for the hub to refuse");
  });
});

describe("overdue", () => {
  it("is a task not done whose due date is before today (the person's day)", () => {
    assert.equal(isOverdue({ dueDate: "2026-03-01", status: "todo" }, "2026-03-02"), true);
    assert.equal(isOverdue({ dueDate: "2026-03-01", status: "doing" }, "2026-03-02"), true);
    assert.equal(isOverdue({ dueDate: "2026-03-02", status: "todo" }, "2026-03-02"), false, "due today is not late yet");
    assert.equal(isOverdue({ dueDate: "2026-03-01", status: "done" }, "2026-03-02"), false);
    assert.equal(isOverdue({ dueDate: null, status: "todo" }, "2026-03-02"), false);
  });
});

describe("truncate", () => {
  it("leaves text within the bound as it is", () => {
    assert.equal(truncate("short", 5), "short");
    assert.equal(truncate("short", 5, "…"), "short");
  });

  it("cuts between characters, never inside an emoji, a surrogate pair or a letter with its accent", () => {
    assert.equal(truncate("ab😀cd", 3), "ab", "not half of the emoji");
    assert.equal(truncate("ab😀cd", 4), "ab😀");
    assert.equal(truncate("a👩‍👩‍👧b", 5), "a", "not part of a family");
    assert.equal(truncate("xe\u0301y", 2), "x", "not an e without its accent");
    assert.equal(truncate("ab😀cd", 3, "…"), "ab…");
    for (let n = 0; n < 12; n++) assert.doesNotThrow(() => encodeURIComponent(truncate("😀🇫🇷😀🇫🇷", n)), `whole code points at ${n}`);
  });

  it("never makes the text longer than the bound (in UTF-16 units, the strictest count), the mark not counted", () => {
    for (let n = 0; n < 20; n++) assert.ok(truncate("a😀👩‍👩‍👧e\u0301b".repeat(2), n).length <= n);
  });
});

describe("a field that follows a live value", () => {
  it("follows while untouched, keeps typed words and names the change elsewhere, and settles once the two agree", () => {
    const start = { value: "Plans", base: "Plans" };
    assert.deepEqual(settle(start, "Plans 2"), { value: "Plans 2", base: "Plans 2" }, "untouched: follows");
    assert.equal(theirs(start, "Plans"), null);
    const typed = { value: "Mine", base: "Plans" };
    assert.equal(theirs(typed, "Plans"), null, "typed, nothing changed elsewhere");
    assert.deepEqual(settle(typed, "Theirs"), typed, "typed: kept");
    assert.equal(theirs(typed, "Theirs"), "Theirs");
    assert.deepEqual(settle(typed, "Mine"), { value: "Mine", base: "Mine" }, "saved here, or the same words: settled");
    assert.equal(theirs(typed, "Mine"), null);
  });
});

describe("a task's edit kept in the tab", () => {
  it("reads back only a form of its own shape, and settles each field against the task as it is now", () => {
    const start = startEdit({ title: "T", description: "D", dueDate: "" });
    assert.deepEqual(parseTaskEdit(JSON.parse(JSON.stringify(start))), start);
    for (const junk of [null, "x", { title: { value: "T" } }, { ...start, dueDate: { value: 1, base: "" } }]) assert.equal(parseTaskEdit(junk), null);
    assert.equal(settleEdit(start, { title: "T", description: "D", dueDate: "" }), start, "nothing moved: the same form");
    const typed = { ...start, description: { value: "Mine", base: "D" } };
    assert.deepEqual(settleEdit(typed, { title: "T2", description: "Theirs", dueDate: "" }), { ...typed, title: { value: "T2", base: "T2" } },
      "the untouched title follows; the description typed in stays");
  });
});

describe("run display", () => {
  it("formats durations, costs, and a running run's duration up to now", () => {
    assert.equal(formatDuration(319), "319 ms");
    assert.equal(formatDuration(65_000), "1m 5s");
    assert.equal(formatUsd(null), "—");
    assert.equal(formatUsd(0.25), "$0.25");
    assert.equal(formatUsd(0.0012), "$0.0012");
    assert.equal(runDuration({ startedAt: null, endedAt: null }, 10), null);
    assert.equal(runDuration({ startedAt: 1_000, endedAt: null }, 4_000), 3_000);
    assert.equal(runDuration({ startedAt: 1_000, endedAt: 2_000 }, 9_000), 1_000);
  });
});

describe("the session check asking again by itself", () => {
  it("waits about 1 s after the first check without an answer, twice as long after each further one, never over 30 s", () => {
    const most = () => 1 - Number.EPSILON;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map((failures) => sessionRetryDelay(failures, null, most)), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    // Jittered, so many pages that lost the hub at once do not come back at once: between half and all of the step.
    assert.equal(sessionRetryDelay(1, null, () => 0), 500);
    assert.equal(sessionRetryDelay(6, null, () => 0), 15_000);
  });

  it("waits out the hub's Retry-After when it is longer than the backoff, up to 5 minutes", () => {
    const most = () => 1 - Number.EPSILON;
    assert.equal(sessionRetryDelay(1, 120_000, most), 120_000);
    assert.equal(sessionRetryDelay(6, 2_000, most), 30_000, "a shorter wait asked for does not hurry the backoff");
    assert.equal(sessionRetryDelay(1, 86_400_000, most), 300_000, "a day asked for: 5 minutes");
    assert.equal(sessionRetryDelay(1, 0, () => 0), 500);
  });
});

describe("notification sentences", () => {
  const base: Omit<Describable, "type"> = { actor: { id: "u1", name: "Ann" }, taskId: "task_1", taskTitle: "Fix login" };
  const say = (type: string, fields: Partial<Omit<Describable, "type">> = {}, workspace?: string) =>
    sentenceText(notificationSentence({ ...base, ...fields, type }, workspace));

  it("names who did what to which task, for each kind the hub sends or will send", () => {
    assert.equal(say("task_assigned"), "Ann assigned you “Fix login”");
    assert.equal(say("run_started", { actor: { id: "a", name: "OpenClaw Bot" } }), "OpenClaw Bot started work on “Fix login”");
    assert.equal(say("run_comment"), "Ann commented on “Fix login”");
    assert.equal(say("run_finished", { actor: { id: "a", name: "OpenClaw Bot" } }), "OpenClaw Bot finished “Fix login”");
    assert.equal(say("run_error"), "Ann hit an error on “Fix login”");
    assert.equal(say("run_stopped"), "Ann stopped the run on “Fix login”");
    assert.equal(say("mention"), "Ann mentioned you on “Fix login”");
    assert.equal(say("tasks_handed_over", { taskId: null, taskTitle: null }, "Acme"), "Ann handed tasks in Acme over to you");
    assert.equal(say("tasks_handed_over", { taskId: null, taskTitle: null }), "Ann handed tasks over to you", "a workspace no longer listed");
    assert.equal(say("webhook_disabled", { actor: null, taskId: null, taskTitle: null }), "One of your webhooks was turned off: it failed for a day");
  });

  it("reads sensibly without an actor or a task title, and for a type this page does not know", () => {
    assert.equal(say("run_finished", { actor: null }), "Someone finished “Fix login”");
    assert.equal(say("task_assigned", { taskTitle: null }), "Ann assigned you a task");
    assert.equal(say("review_requested"), "Ann: review requested on “Fix login”");
    assert.equal(say("workspace_renamed", { taskId: null, taskTitle: null }), "Ann: workspace renamed");
    assert.equal(say("", { taskId: null }), "Ann: notification");
  });
});

describe("the @mention picker's rules", () => {
  it("opens after an @ that starts a word, on the caret's line, until a space right after it", () => {
    assert.deepEqual(openMention("hi @Op", 6), { start: 3, query: "Op" });
    assert.deepEqual(openMention("@OpenClaw B", 11), { start: 0, query: "OpenClaw B" });
    assert.deepEqual(openMention("(@ma", 4), { start: 1, query: "ma" });
    assert.equal(openMention("mail me@host", 12), null);
    assert.equal(openMention("@ x", 3), null);
    assert.equal(openMention("@ma\nnext", 8), null);
    assert.deepEqual(openMention("@ma and more", 3), { start: 0, query: "ma" });
  });

  it("offers your agents, then the people but you, marking a name two go by (as the hub folds names)", () => {
    const list = mentionCandidates([{ id: "a1", name: "Ada" }], [{ id: "me", name: "Kai" }, { id: "u1", name: "ADA" }, { id: "u2", name: "Sam Lee" }], "me");
    assert.deepEqual(list.map((c) => [c.name, c.kind, c.ambiguous]), [["Ada", "agent", true], ["ADA", "person", true], ["Sam Lee", "person", false]]);
    assert.deepEqual(matchingCandidates(list, "lee").map((c) => c.name), ["Sam Lee"]);
    assert.deepEqual(matchingCandidates(list, "ａｄ").map((c) => c.name), ["Ada", "ADA"]);
  });

  it("writes @Name and one space in place of what was typed, leaving the rest", () => {
    assert.deepEqual(insertMention("hi @op", { start: 3, query: "op" }, 6, "OpenClaw Bot"), { text: "hi @OpenClaw Bot ", caret: 17 });
    assert.deepEqual(insertMention("@ma and", { start: 0, query: "ma" }, 3, "Maya"), { text: "@Maya and", caret: 6 });
  });
});

describe("the Runs page's filter", () => {
  it("reads ?status=, Active when absent or unknown", () => {
    assert.equal(runFilterOf("").id, "active");
    assert.equal(runFilterOf("nonsense").id, "active");
    assert.deepEqual(runFilterOf("failed").statuses, ["ERROR"]);
    assert.equal(runFilterOf("all").statuses, null);
  });
  it("says the counts in words, the going ones first, leaving out the statuses with none", () => {
    assert.equal(countsSentence({ PENDING: 1, RUNNING: 3, ERROR: 1 }), "3 running · 1 pending · 1 failed");
    assert.equal(countsSentence({ PENDING: 0, RUNNING: 0, ERROR: 2 }), "2 failed");
    assert.equal(countsSentence({ PENDING: 0, RUNNING: 0, ERROR: 0 }), "Nothing running, nothing failed");
  });
});

describe("keyboard shortcuts: what a key does", () => {
  const press = (key: string, more: Partial<KeyPress> = {}): KeyPress =>
    ({ key, ctrl: false, meta: false, alt: false, composing: false, typing: false, blocked: false, at: 1000, ...more });
  const board = new Set<PageAction>(["search", "create"]);
  const task = new Set<PageAction>(["edit", "status", "delegate", "reply"]);
  const command = (key: string, offered = board, more: Partial<KeyPress> = {}) => decide(press(key, more), null, offered).command;

  it("g then a letter goes to a page, within the time a sequence waits; later, the letter is read alone", () => {
    const after = decide(press("g"), null, board);
    assert.deepEqual(after, { pending: { at: 1000 }, command: null });
    assert.deepEqual(decide(press("r", { at: 1000 + SEQUENCE_MS }), after.pending, board).command, { kind: "go", to: "runs" });
    assert.deepEqual(["b", "a", "n", "t"].map((k) => decide(press(k), after.pending, task).command), [
      { kind: "go", to: "board" }, { kind: "go", to: "agents" }, { kind: "go", to: "notifications" }, { kind: "go", to: "tokens" }]);
    assert.deepEqual(decide(press("r", { at: 1001 + SEQUENCE_MS }), after.pending, task), { pending: null, command: { kind: "page", action: "reply" } });
    assert.deepEqual(decide(press("x"), after.pending, board), { pending: null, command: null });
  });

  it("a page's letters act only where that page offers them; ? anywhere", () => {
    assert.deepEqual(command("c"), { kind: "page", action: "create" });
    assert.equal(command("c", task), null);
    assert.deepEqual(["e", "s", "d", "r"].map((k) => command(k, task)), ["edit", "status", "delegate", "reply"].map((action) => ({ kind: "page", action })));
    assert.equal(command("e", board), null);
    assert.deepEqual(command("?", new Set()), { kind: "help" });
    assert.equal(command("C"), null, "Shift+c is not c");
  });

  it("/ searches the board, and from another page goes to the board to search it", () => {
    assert.deepEqual(command("/"), { kind: "page", action: "search" });
    assert.deepEqual(command("/", task), { kind: "go", to: "board", then: "search" });
  });

  it("never fires while typing, composing, with Ctrl, ⌘ or Alt held, or under a dialog; and drops a waiting g", () => {
    for (const more of [{ typing: true }, { composing: true }, { ctrl: true }, { meta: true }, { alt: true }, { blocked: true }]) {
      assert.equal(command("c", board, more), null, JSON.stringify(more));
      assert.equal(command("?", board, more), null, JSON.stringify(more));
      assert.deepEqual(decide(press("r", more), { at: 1000 }, board), { pending: null, command: null }, JSON.stringify(more));
    }
  });

  it("lists each key once, every group with some", () => {
    const keys = SHORTCUTS.map((s) => s.keys.join(" "));
    assert.equal(new Set(keys).size, keys.length);
    assert.deepEqual([...new Set(SHORTCUTS.map((s) => s.group))], ["Anywhere", "Board", "Task"]);
  });
});

describe("a box's words once what it held was sent", () => {
  it("keeps the words typed after what went, and all of it when what went was changed meanwhile", () => {
    assert.equal(afterSent("First", "First"), "");
    assert.equal(afterSent("First\nSecond", "First"), "Second");
    assert.equal(afterSent("Frist, fixed", "First"), "Frist, fixed");
    assert.equal(afterSent("", "First"), "");
  });
});

describe("a live query that fails", () => {
  const failure = (code: string | null) => ({ error: new Error("The hub could not read it"), code });
  it("keeps the value last shown, stale, and the next failure keeps it too", () => {
    const shown: Live<string> = { status: "ready", data: "task" };
    const once = failed(shown, failure("INTERNAL"));
    assert.deepEqual(once, { status: "ready", data: "task", stale: failure("INTERNAL") });
    assert.deepEqual(failed(once, failure(null)), { status: "ready", data: "task", stale: failure(null) });
  });

  it("shows the failure when nothing was shown yet, or when it says the thing is gone or the session ended", () => {
    assert.deepEqual(failed<string>({ status: "loading" }, failure("INTERNAL")), { status: "error", ...failure("INTERNAL") });
    for (const code of ["NOT_FOUND", "UNAUTHORIZED"]) {
      assert.deepEqual(failed<string>({ status: "ready", data: "task", stale: failure("INTERNAL") }, failure(code)), { status: "error", ...failure(code) });
    }
  });
});
