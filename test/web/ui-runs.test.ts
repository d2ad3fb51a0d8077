/**
 * The Runs page in a real browser against a real hub: your agents' runs across your workspaces arrive live
 * (owner:runs), a run moves from Active to Failed as it ends, Stop stops it from the list, the filter is kept in
 * the address, "Show more" pages, and the page fits a phone.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { TestHub } from "../support/hub.ts";
import { signedInSuite } from "./support/page.ts";

const WAIT = { timeout: 20_000 };
const ARTIFACTS = "test-artifacts/web";

describe("the Runs page, live, in a real browser", { timeout: 300_000 }, () => {
  const suite = signedInSuite();
  let t: TestHub;
  let page: Page;
  before(() => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ({ t, page } = suite);
  });

  const owner = () => t.creds.ownerToken;
  /** A task of `title` delegated to the hub's agent (or `agentId`): the new run's id. */
  async function delegated(title: string, agentId = t.creds.agentId): Promise<string> {
    const task = (await t.owner(owner(), "POST", "/tasks", { projectId: t.creds.projectId, title })).body;
    const run = await t.owner(owner(), "POST", `/tasks/${task.id}/delegate`, { agentId });
    assert.equal(run.status, 201);
    return run.body.id;
  }
  const row = (runId: string) => page.locator(`.run-row[data-run-id="${runId}"]`);
  const chip = (name: string) => page.getByRole("group", { name: "Show runs" }).getByRole("button", { name, exact: true });

  it("opens from the header with the focus on its content; a run shows up live as Active, then moves to Failed and All as it errors", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor(WAIT);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
    assert.equal(await chip("Active").getAttribute("aria-pressed"), "true");
    await page.getByText("Nothing running or waiting: your agents are idle.").waitFor(WAIT);

    const runId = await delegated("Draft the changelog");
    await row(runId).locator('[data-run-status="PENDING"]').waitFor(WAIT);
    assert.equal(await row(runId).getByRole("link", { name: "Draft the changelog" }).count(), 1);
    assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/start`, { body: "On it" })).status, 200);
    await row(runId).locator('[data-run-status="RUNNING"]').waitFor(WAIT);
    await page.getByTestId("run-counts").filter({ hasText: "1 running" }).waitFor(WAIT);

    assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/error`, { body: "No access" })).status, 200);
    await row(runId).waitFor({ state: "detached", ...WAIT });
    await page.getByTestId("run-counts").filter({ hasText: "1 failed" }).waitFor(WAIT);
    await chip("Failed").click();
    await row(runId).locator('[data-run-status="ERROR"]').waitFor(WAIT);
    // Why it failed, in its agent's words.
    assert.equal(await row(runId).locator(".run-why").textContent(), "No access");
    assert.equal(new URL(page.url()).search, "?status=failed");
    await chip("All").click();
    await row(runId).waitFor(WAIT);
    assert.equal(new URL(page.url()).search, "?status=all");

    // The task's title goes to its page.
    await row(runId).getByRole("link", { name: "Draft the changelog" }).click();
    await page.getByRole("heading", { name: "Draft the changelog" }).waitFor(WAIT);
  });

  it("keeps the filter in the address: a reload of ?status=failed shows the failed runs", async () => {
    await page.goto(`${t.baseUrl}/runs?status=failed`);
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor(WAIT);
    assert.equal(await chip("Failed").getAttribute("aria-pressed"), "true");
    await page.locator('.run-row [data-run-status="ERROR"]').first().waitFor(WAIT);
  });

  it("stops an active run from the list", async () => {
    await page.goto(`${t.baseUrl}/runs`);
    const runId = await delegated("Stop me from the list");
    await row(runId).waitFor(WAIT);
    await row(runId).getByRole("button", { name: /^Stop/ }).focus();
    await page.keyboard.press("Enter");
    await row(runId).waitFor({ state: "detached", ...WAIT });
    assert.equal((await t.owner(owner(), "GET", `/runs/${runId}`)).body.status, "STOPPED");
    // The focus is not dropped with the row: it is on the next run's, or the filter's.
    await page.waitForFunction(() => document.activeElement !== document.body && document.activeElement !== null);
    await chip("All").click();
    await row(runId).locator('[data-run-status="STOPPED"]').waitFor(WAIT);
    await page.screenshot({ path: `${ARTIFACTS}/runs.png` });
    assert.equal(await row(runId).getByRole("button", { name: /^Stop/ }).count(), 0);
  });

  it("shows one agent's runs when picked, in the address too", async () => {
    const helper = (await t.owner(owner(), "POST", "/agents", { name: "Helper Bot" })).body;
    const theirs = await delegated("For the helper", helper.id);
    await page.goto(`${t.baseUrl}/runs`);
    await row(theirs).waitFor(WAIT);
    const mine = await delegated("For the first bot");
    await row(mine).waitFor(WAIT);
    await page.getByLabel("Agent").selectOption({ label: "Helper Bot" });
    await row(mine).waitFor({ state: "detached", ...WAIT });
    // Its runs once they come ("Loading runs…" meanwhile).
    await row(theirs).waitFor(WAIT);
    assert.equal(await row(theirs).count(), 1);
    assert.equal(new URL(page.url()).searchParams.get("agent"), helper.id);
  });

  it("pages with Show more, the focus on the first run it brings, and fits a phone's width", async () => {
    for (let i = 0; i < 50; i++) await delegated(`Batch ${i}`);
    await page.goto(`${t.baseUrl}/runs`);
    await page.setViewportSize({ width: 375, height: 800 });
    await page.locator(".run-row").nth(49).waitFor(WAIT);
    const more = page.getByRole("button", { name: "Show more" });
    const shown = await page.locator(".run-row").count();
    assert.equal(shown, 50);
    await more.click();
    // The hub's owner has 52 going: the two oldest come, and nothing is left to show.
    await page.locator(".run-row").nth(51).waitFor(WAIT);
    await more.waitFor({ state: "detached", ...WAIT });
    assert.equal(await page.locator(".run-row").count(), 52);
    // Not dropped with the button, which went: on the first of the runs it brought.
    await page.waitForFunction(() => document.activeElement === document.querySelectorAll(".run-row")[50]?.querySelector("a.card-title"), undefined, WAIT);
    await page.screenshot({ path: `${ARTIFACTS}/runs-phone.png` });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  });
});
