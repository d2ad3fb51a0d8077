/**
 * Retry in a real browser against a real hub: a failed or stopped run's Retry, on the Runs page and in a task's
 * timeline, makes a new run that shows up live saying what it retried; the button is disabled while it asks, keeps
 * the focus, says a refusal (409) in words beside it, is reached by keyboard, and fits a phone.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { before, describe, it } from "node:test";
import { signedInSuite } from "./support/page.ts";

const WAIT = { timeout: 20_000 };
const ARTIFACTS = "test-artifacts/web";

describe("Retry, in a real browser", { timeout: 300_000 }, () => {
  const s = signedInSuite();
  before(() => mkdirSync(ARTIFACTS, { recursive: true }));

  const owner = () => s.t.creds.ownerToken;
  /** A task of `title` whose run by the hub's agent ended `status` (its agent's words for an ERROR: "Model outage"). */
  async function ended(title: string, status: "ERROR" | "STOPPED" | "FINISHED") {
    const task = (await s.t.owner(owner(), "POST", "/tasks", { projectId: s.t.creds.projectId, title })).body;
    const run = (await s.t.owner(owner(), "POST", `/tasks/${task.id}/delegate`, { agentId: s.t.creds.agentId, prompt: `${title}, please` })).body;
    const ok = (res: { status: number }) => assert.equal(res.status, 200);
    if (status === "STOPPED") ok(await s.t.owner(owner(), "POST", `/runs/${run.id}/stop`));
    else {
      ok(await s.t.agent(s.t.creds.agentToken, "POST", `/runs/${run.id}/start`, {}));
      ok(await s.t.agent(s.t.creds.agentToken, "POST", `/runs/${run.id}/${status === "ERROR" ? "error" : "complete"}`, { body: "Model outage" }));
    }
    return { taskId: task.id as string, runId: run.id as string };
  }
  const row = (runId: string) => s.page.locator(`.run-row[data-run-id="${runId}"]`);
  const chip = (name: string) => s.page.getByRole("group", { name: "Show runs" }).getByRole("button", { name, exact: true });
  const focusedText = () => s.page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText ?? null);
  /** The hub's answer to the next retry waits for `release`: the page is seen while it asks. */
  async function holdRetry(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await s.page.route("**/api/v1/runs/*/retry", async (route) => {
      await held;
      await route.continue();
    }, { times: 1 });
    return release;
  }

  it("retries a failed run from the Runs page by keyboard: disabled while it asks, the new run shows up live as a retry, and the focus stays on Retry", async () => {
    const { taskId, runId } = await ended("Draft the changelog", "ERROR");
    await s.page.goto(`${s.t.baseUrl}/runs?status=failed`);
    const retry = row(runId).getByRole("button", { name: "Retry OpenClaw Bot on “Draft the changelog”" });
    await retry.waitFor(WAIT);
    const release = await holdRetry();
    await retry.focus();
    await s.page.keyboard.press("Enter");
    await s.page.waitForFunction((id) => document.querySelector<HTMLButtonElement>(`.run-row[data-run-id="${id}"] .retry button`)?.disabled === true, runId);
    release();
    await row(runId).getByRole("status").filter({ hasText: "Retried: a new run is waiting." }).waitFor(WAIT);
    assert.equal(await retry.isDisabled(), false);
    assert.match((await focusedText()) ?? "", /^Retry/);
    assert.equal(await s.page.evaluate((id) => document.activeElement === document.querySelector(`.run-row[data-run-id="${id}"] .retry button`), runId), true);

    const runs = (await s.t.owner(owner(), "GET", `/tasks/${taskId}`)).body.runs as Array<{ id: string; status: string; prompt: string; retryOf: string | null }>;
    assert.deepEqual(runs.map((r) => [r.status, r.prompt, r.retryOf]), [["ERROR", "Draft the changelog, please", null], ["PENDING", "Draft the changelog, please", runId]]);
    const newId = runs[1]!.id;
    // Live, without a reload: Active has it, saying what it retried; its link goes to the retried turn on the task's s.page.
    await chip("Active").click();
    await row(newId).getByText("Retry of").waitFor(WAIT);
    assert.equal(await row(newId).getByRole("button", { name: /^Retry/ }).count(), 0);
    await s.page.screenshot({ path: `${ARTIFACTS}/runs-retry.png` });
    await row(newId).getByRole("link", { name: "an earlier run on “Draft the changelog”" }).click();
    await s.page.locator(`.timeline .run[data-run-id="${runId}"]`).waitFor(WAIT);
    assert.equal(new URL(s.page.url()).hash, `#run-${runId}`);
  });

  it("says a refusal in words beside the button: a run already going for the agent there is 409, and the focus stays", async () => {
    const { runId } = await ended("Fix the flaky test", "STOPPED");
    await s.page.goto(`${s.t.baseUrl}/runs?status=all`);
    const retry = row(runId).getByRole("button", { name: /^Retry/ });
    await retry.click();
    await row(runId).getByRole("status").filter({ hasText: "Retried" }).waitFor(WAIT);
    await retry.click();
    await row(runId).locator(".retry").getByRole("alert").filter({ hasText: "OpenClaw Bot already has a pending or running run on this task" }).waitFor(WAIT);
    assert.equal(await row(runId).getByRole("status").textContent(), "");
    assert.equal(await s.page.evaluate((id) => document.activeElement === document.querySelector(`.run-row[data-run-id="${id}"] .retry button`), runId), true);
    // A run going, one that finished, or a deleted agent's, has no Retry.
    const { runId: finished } = await ended("Finished already", "FINISHED");
    await row(finished).waitFor(WAIT);
    assert.equal(await row(finished).getByRole("button", { name: /^Retry/ }).count(), 0);
    const gone = (await s.t.owner(owner(), "POST", "/agents", { name: "Gone Bot" })).body;
    const task = (await s.t.owner(owner(), "POST", "/tasks", { projectId: s.t.creds.projectId, title: "Left behind" })).body;
    const orphan = (await s.t.owner(owner(), "POST", `/tasks/${task.id}/delegate`, { agentId: gone.id })).body;
    assert.equal((await s.t.owner(owner(), "POST", `/runs/${orphan.id}/stop`)).status, 200);
    await row(orphan.id).getByRole("button", { name: /^Retry/ }).waitFor(WAIT);
    assert.equal((await s.t.owner(owner(), "DELETE", `/agents/${gone.id}`)).status, 204);
    await row(orphan.id).getByRole("button", { name: /^Retry/ }).waitFor({ state: "detached", ...WAIT });
    assert.equal(await row(orphan.id).count(), 1);
  });

  it("retries a failed turn from the task's timeline: the new turn shows up live, its 'Retry of turn 1' going to that turn; another person's agent's run has neither Retry nor Follow up", async () => {
    const { taskId, runId } = await ended("Ship the release", "ERROR");
    // A member of the workspace with an agent of their own, whose stopped run on the task is theirs to retry, not yours.
    const rosa = await s.t.hub.writer.run("addUser", { name: "Rosa" });
    const rosaBot = (await s.t.owner(rosa.ownerToken, "POST", "/agents", { name: "Rosa Bot" })).body;
    const theirs = (await s.t.owner(rosa.ownerToken, "POST", `/tasks/${taskId}/delegate`, { agentId: rosaBot.id })).body;
    assert.equal((await s.t.owner(rosa.ownerToken, "POST", `/runs/${theirs.id}/stop`)).status, 200);

    await s.page.goto(`${s.t.baseUrl}/tasks/${taskId}`);
    const turn = (id: string) => s.page.locator(`.timeline .run[data-run-id="${id}"]`);
    await turn(theirs.id).locator('[data-run-status="STOPPED"]').waitFor(WAIT);
    const retry = turn(runId).getByRole("button", { name: "Retry turn 1, OpenClaw Bot" });
    // Your agents are known once your own turn offers its actions: Rosa's turn offers neither (the hub would refuse both).
    await retry.waitFor(WAIT);
    await turn(runId).getByRole("button", { name: "Follow up" }).waitFor(WAIT);
    assert.equal(await turn(theirs.id).getByRole("button", { name: /^Retry/ }).count(), 0);
    assert.equal(await turn(theirs.id).getByRole("button", { name: "Follow up" }).count(), 0);
    const release = await holdRetry();
    await retry.focus();
    await s.page.keyboard.press("Enter");
    await s.page.waitForFunction((id) => document.querySelector<HTMLButtonElement>(`.timeline .run[data-run-id="${id}"] .retry button`)?.disabled === true, runId);
    release();
    const third = s.page.locator(".timeline .run").nth(2);
    await third.getByText("Retry of turn 1").waitFor(WAIT);
    assert.equal(await third.getAttribute("data-status"), "PENDING");
    assert.match((await third.textContent()) ?? "", /Turn 3 · OpenClaw Bot/);
    assert.match((await third.locator(".prompt").textContent()) ?? "", /Ship the release, please/);
    assert.equal(await s.page.evaluate((id) => document.activeElement === document.querySelector(`.timeline .run[data-run-id="${id}"] .retry button`), runId), true);
    await third.getByRole("link", { name: "turn 1" }).click();
    assert.equal(await s.page.evaluate((id) => document.activeElement === document.querySelector(`.timeline .run[data-run-id="${id}"]`), runId), true);

    // Again while the retry waits: the hub's 409 in words beside the button.
    await retry.click();
    await turn(runId).locator(".retry").getByRole("alert").filter({ hasText: "already has a pending or running run on this task" }).waitFor(WAIT);
    await s.page.screenshot({ path: `${ARTIFACTS}/task-retry.png` });
  });

  it("fits a phone's width, a refusal's words included, on the Runs page and the task's page", async () => {
    const { taskId, runId } = await ended("A task with a rather long title that must wrap on a small phone screen", "ERROR");
    await s.page.setViewportSize({ width: 375, height: 800 });
    try {
      const overflow = () => s.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await s.page.goto(`${s.t.baseUrl}/runs?status=failed`);
      await row(runId).getByRole("button", { name: /^Retry/ }).click();
      await row(runId).getByRole("button", { name: /^Retry/ }).click();
      await row(runId).getByRole("alert").waitFor(WAIT);
      assert.equal(await overflow(), 0);
      await s.page.screenshot({ path: `${ARTIFACTS}/runs-retry-phone.png` });
      await s.page.goto(`${s.t.baseUrl}/tasks/${taskId}`);
      await s.page.locator(".timeline .run").nth(1).getByText("Retry of turn 1").waitFor(WAIT);
      await s.page.locator(".timeline .run").first().getByRole("button", { name: /^Retry/ }).click();
      await s.page.locator(".timeline .run").first().getByRole("alert").waitFor(WAIT);
      assert.equal(await overflow(), 0);
    } finally {
      await s.page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
