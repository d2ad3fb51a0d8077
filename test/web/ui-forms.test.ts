/**
 * The owner's web UI's forms and lists in a real headless Chromium: what a click twice, a pasted link or a hub
 * out of reach for a while leave on the page, and what a screen reader hears of them. Each step stands on its own
 * after the sign-in.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { delegatedRun, type TestHub } from "../support/hub.ts";
import { holdRequests, lineCounts, newTask, openTask, signedInSuite } from "./support/page.ts";
import { CSRF } from "./support/session.ts";

const WAIT = { timeout: 20_000 };

describe("the web UI's forms and lists, in a real browser", { timeout: 300_000 }, () => {
  const suite = signedInSuite();
  let t: TestHub;
  let page: Page;
  before(() => ({ t, page } = suite));

  const shot = (name: string) => ({ url: `${t.baseUrl}/shots/${name}.png`, name: `${name}.png` });
  const imageNames = async (id: string) =>
    ((await t.owner(t.creds.ownerToken, "GET", `/tasks/${id}`)).body.images as { name: string }[]).map((i) => i.name);

  it("Remove on an image clicked twice takes it off once and says nothing went wrong", async () => {
    const id = await newTask(t, "Remove twice", { images: [shot("twice"), shot("kept")] });
    await openTask(page, t, id);
    await page.getByRole("button", { name: "Remove image twice.png" }).dblclick();
    await page.locator(".images img[alt='twice.png']").waitFor({ state: "detached", ...WAIT });
    // The second DELETE's answer (a 404: the image is gone) comes after the first's.
    await page.waitForLoadState("networkidle");
    assert.equal(await page.getByRole("alert").count(), 0);
    assert.deepEqual(await imageNames(id), ["kept.png"]);
  });

  it("an image someone else took off just before Remove here is gone, as asked: no error", async () => {
    const id = await newTask(t, "Removed elsewhere", { images: [shot("theirs")] });
    await openTask(page, t, id);
    const hold = await holdRequests(page, `**/api/v1/tasks/${id}/images?*`, "DELETE");
    await page.getByRole("button", { name: "Remove image theirs.png" }).click();
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${id}/images?url=${encodeURIComponent(shot("theirs").url)}`)).status, 200);
    await hold.release();
    await page.locator(".images img").waitFor({ state: "detached", ...WAIT });
    assert.equal(await page.getByRole("alert").count(), 0);
  });

  it("an image URL added by hand is named as the hub names it (its last path segment, decoded, without the query)", async () => {
    const id = await newTask(t, "Hand-added image");
    await openTask(page, t, id);
    await page.getByLabel("Image URL").fill(`${t.baseUrl}/shots/My%20screen.png?size=2`);
    await page.getByRole("button", { name: "Add image" }).click();
    await page.getByRole("button", { name: "Remove image My screen.png" }).waitFor(WAIT);
    assert.deepEqual(await imageNames(id), ["My screen.png"]);
  });

  it("a refused owner change says why beside the Owner field, announced and describing it, not inside its label", async () => {
    const id = await newTask(t, "Owner refused");
    await openTask(page, t, id);
    const owner = page.getByRole("combobox", { name: "Owner" });
    await page.waitForFunction(() => !document.querySelector<HTMLSelectElement>(".owner select")?.disabled, undefined, WAIT);
    await page.route(`**/api/v1/tasks/${id}`, (route) => route.request().method() === "PATCH"
      ? route.fulfill({ status: 409, contentType: "application/json", body: JSON.stringify({ error: "Not now: the task is busy" }) })
      : route.fallback());
    // The only choice on a one-person hub is its owner: the change is asked by hand.
    await owner.evaluate((select: HTMLSelectElement) => {
      const other = new Option("Someone", "usr_someone");
      select.add(other);
      select.value = other.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    const alert = page.getByRole("alert").filter({ hasText: "Not now: the task is busy" });
    await alert.waitFor(WAIT);
    await page.unroute(`**/api/v1/tasks/${id}`);
    assert.equal(await page.locator("label [role=alert]").count(), 0, "no error inside a label");
    assert.equal(await page.getByRole("combobox", { name: "Owner", exact: true }).count(), 1, "the field's name is only Owner");
    const described = await owner.evaluate((select) => (select.getAttribute("aria-describedby") ?? "").split(" ")
      .map((ref) => document.getElementById(ref)?.textContent ?? "").join(" "));
    assert.match(described, /Not now: the task is busy/);
  });

  it("the tokens page that could not reach the hub shows its tokens once the hub is reached again, without a reload", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tokens", { name: "Listed again" });
    assert.equal(made.status, 201);
    let refused!: () => void;
    const tried = new Promise<void>((resolve) => (refused = resolve));
    await page.route("**/api/v1/tokens", async (route) => {
      if (route.request().method() !== "GET") return route.fallback();
      await route.abort("connectionrefused");
      refused();
    });
    await page.goto(`${t.baseUrl}/tokens`);
    await tried;
    await page.unroute("**/api/v1/tokens");
    // Another request gets an answer: the hub is reached again.
    await page.getByRole("button", { name: "Sign in on another device" }).click();
    await page.getByTestId("device-link").waitFor(WAIT);
    await page.locator(".api-tokens li", { hasText: "Listed again" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Done" }).click();
  });

  it("the sign-in field takes a whole pasted sign-in link, not only the code in it", async () => {
    const link = await t.hub.loginLink();
    assert.equal(await page.evaluate(async (csrf) => (await fetch("/api/v1/session", { method: "DELETE", headers: csrf })).status, CSRF), 204);
    await page.goto(`${t.baseUrl}/login`);
    await page.getByLabel("Or paste the sign-in link or code").fill(`  ${link} `);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  });

  const board = async () => {
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  };
  /** What has the focus: its tag, and its accessible name or text. */
  const focused = () => page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el ? `${el.tagName.toLowerCase()} ${el.getAttribute("aria-label") ?? el.innerText?.replace(/\s+/g, " ").trim().slice(0, 60) ?? ""}`.trim() : "";
  });

  it("a follow-up sent: the focus goes to its run, not to the page's top", async () => {
    const { taskId, runId } = await delegatedRun(t, "Focus after follow-up");
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/stop`)).status, 200);
    await openTask(page, t, taskId);
    await page.getByRole("button", { name: "Follow up" }).click();
    await page.keyboard.type("and the docs");
    await page.getByRole("button", { name: "Send follow-up" }).click();
    await page.getByRole("form", { name: "Follow-up" }).waitFor({ state: "detached", ...WAIT });
    await page.waitForFunction((id) => document.activeElement?.closest("[data-run-id]")?.getAttribute("data-run-id") === id, runId, WAIT);
  });

  it("a card moved to another column keeps the focus on its Move field there", async () => {
    await newTask(t, "Focus moves along");
    await board();
    const move = page.getByRole("combobox", { name: "Move “Focus moves along” to" });
    await move.focus();
    await move.selectOption("doing");
    await page.locator("[data-column=doing] .card", { hasText: "Focus moves along" }).waitFor(WAIT);
    await page.waitForFunction(() => document.activeElement?.closest("[data-column=doing] .card")?.textContent?.includes("Focus moves along") === true, undefined, WAIT);
  });

  it("× clears the search and puts the focus back in the search field", async () => {
    await board();
    const box = page.getByRole("searchbox", { name: "Search tasks" });
    await box.fill("anything");
    await page.getByRole("button", { name: "Clear search" }).click();
    assert.equal(await box.inputValue(), "");
    assert.equal(await box.evaluate((el) => el === document.activeElement), true, `the focus is on ${await focused()}`);
  });

  it("Show more on the board puts the focus on the first card it brings", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Many cards" }, { "x-workspace-id": t.creds.workspaceId });
    assert.equal(made.status, 201);
    for (let i = 0; i < 101; i++) {
      assert.equal((await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: made.body.id, title: `Card ${String(i).padStart(3, "0")}` })).status, 201);
    }
    await page.goto(`${t.baseUrl}/projects/${made.body.id}`);
    await page.getByRole("heading", { name: "Many cards" }).waitFor(WAIT);
    await page.locator("[data-column=todo]").getByRole("button", { name: /^Show more/ }).click();
    await page.waitForFunction(() => document.querySelectorAll("[data-column=todo] .card").length === 101, undefined, WAIT);
    await page.waitForFunction(() => document.activeElement === document.querySelectorAll("[data-column=todo] .card")[100]?.querySelector("a"), undefined, WAIT);
  });

  it("Escape closes the open invites and the invite link shown once, and the focus goes back to the button that opened each", async () => {
    await board();
    const openInvites = page.getByRole("button", { name: "Open invites" });
    await openInvites.click();
    const open = page.getByRole("region", { name: "Open invites" });
    await open.waitFor(WAIT);
    await open.getByRole("button", { name: "Close" }).focus();
    await page.keyboard.press("Escape");
    await open.waitFor({ state: "detached", ...WAIT });
    assert.equal(await openInvites.evaluate((el) => el === document.activeElement), true, `the focus is on ${await focused()}`);

    const invite = page.getByRole("button", { name: "Invite someone" });
    await invite.click();
    const shown = page.getByRole("region", { name: "Invite link" });
    await shown.waitFor(WAIT);
    await page.keyboard.press("Escape");
    await shown.waitFor({ state: "detached", ...WAIT });
    assert.equal(await invite.evaluate((el) => el === document.activeElement), true, `the focus is on ${await focused()}`);
  });

  /** The names of the buttons in `selector`'s rows, as a screen reader hears them. */
  const buttonNames = (selector: string) => page.locator(selector).evaluateAll((rows) => rows.map((row) =>
    Array.from(row.querySelectorAll("button")).map((b) => (b.getAttribute("aria-label") ?? b.textContent ?? "").replace(/\s+/g, " ").trim())));
  const assertNamedByRow = (rows: string[][], what: string) => {
    const names = rows.flat();
    assert.ok(names.length >= 2, `${what}: buttons to compare (${JSON.stringify(rows)})`);
    assert.equal(new Set(names).size, names.length, `${what}: each button's name says which row it acts on: ${JSON.stringify(rows)}`);
  };

  it("the buttons in a list are named with their row (Revoke “CI”, Delete Helper Bot), not each the same", async () => {
    for (const name of ["Row one", "Row two"]) assert.equal((await t.owner(t.creds.ownerToken, "POST", "/tokens", { name })).status, 201);
    await page.goto(`${t.baseUrl}/tokens`);
    await page.locator(".api-tokens li", { hasText: "Row two" }).waitFor(WAIT);
    assertNamedByRow(await buttonNames(".api-tokens li"), "tokens");
    await page.getByRole("button", { name: "Revoke “Row one”" }).waitFor(WAIT);

    assert.equal((await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Second Bot" })).status, 201);
    await page.goto(`${t.baseUrl}/agents`);
    await page.locator(".agent", { hasText: "Second Bot" }).waitFor(WAIT);
    assertNamedByRow(await buttonNames(".agent"), "agents");

    const first = await delegatedRun(t, "Two turns");
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/runs/${first.runId}/stop`)).status, 200);
    const second = await t.owner(t.creds.ownerToken, "POST", `/tasks/${first.taskId}/delegate`, { agentId: t.creds.agentId });
    assert.equal(second.status, 201);
    await openTask(page, t, first.taskId);
    await page.locator(`.run[data-run-id="${second.body.id}"]`).waitFor(WAIT);
    assertNamedByRow(await buttonNames(".run"), "turns");
  });

  it("Add task and Delegate say what they did in a status message, which a screen reader announces", async () => {
    await board();
    await page.getByLabel("Title").fill("Said when added");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.getByRole("status").filter({ hasText: "Added “Said when added” to To do." }).waitFor(WAIT);

    const id = await newTask(t, "Said when delegated");
    await openTask(page, t, id);
    const agent = ((await t.owner(t.creds.ownerToken, "GET", "/agents")).body as { id: string; name: string }[]).find((a) => a.id === t.creds.agentId)!.name;
    await page.getByRole("form", { name: "Delegate" }).getByRole("button", { name: "Delegate" }).click();
    await page.getByRole("status").filter({ hasText: `Delegated to ${agent}.` }).waitFor(WAIT);
  });

  it("on a phone, a select holding a long name stays inside the window, and no badge is broken across lines", async () => {
    const long = `Agent ${"with a very long name that goes on ".repeat(4)}and on`;
    const agent = await t.owner(t.creds.ownerToken, "POST", "/agents", { name: long });
    assert.equal(agent.status, 201);
    const id = await newTask(t, "Narrow page");
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/tasks/${id}/delegate`, { agentId: agent.body.id })).status, 201);
    await page.setViewportSize({ width: 320, height: 700 });
    try {
      const outside = () => page.evaluate(() => Array.from(document.querySelectorAll("select"))
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map((el) => el.closest("label")?.textContent?.slice(0, 30) ?? el.outerHTML.slice(0, 60)));
      await openTask(page, t, id);
      await page.locator(".run").first().waitFor(WAIT);
      assert.deepEqual(await outside(), [], "the task page's selects");
      for (const { text, lines } of await lineCounts(page, ".badge")) assert.equal(lines, 1, `${text} on one line`);
      await page.goto(`${t.baseUrl}/runs?status=all`);
      await page.locator(".run-row").first().waitFor(WAIT);
      assert.deepEqual(await outside(), [], "the Runs page's selects");
      for (const { text, lines } of await lineCounts(page, ".badge")) assert.equal(lines, 1, `${text} on one line`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
      // The board's project picker, with a long project name among them.
      const made = await t.owner(t.creds.ownerToken, "POST", "/projects", { name: `Project ${"with a long name ".repeat(6)}` }, { "x-workspace-id": t.creds.workspaceId });
      assert.equal(made.status, 201);
      await board();
      await page.getByRole("combobox", { name: "Project", exact: true }).waitFor(WAIT);
      assert.deepEqual(await outside(), [], "the board's selects");
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it("a task past its due date and not done is marked overdue, on its card and its page; done, or due today, it is not", async () => {
    const day = (offset: number) => {
      const d = new Date();
      d.setDate(d.getDate() + offset);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    };
    const late = await newTask(t, "Late one", { dueDate: day(-1) });
    await newTask(t, "Due today", { dueDate: day(0) });
    const finished = await newTask(t, "Late but done", { dueDate: day(-3) });
    assert.equal((await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${finished}`, { status: "done" })).status, 200);
    await board();
    const card = (title: string) => page.locator(".card", { hasText: title });
    await card("Late but done").waitFor(WAIT);
    assert.equal(await card("Late one").getByText("Overdue").count(), 1);
    assert.equal(await card("Due today").getByText("Overdue").count(), 0);
    assert.equal(await card("Late but done").getByText("Overdue").count(), 0);
    await openTask(page, t, late);
    await page.locator(".details").getByText("Overdue").waitFor(WAIT);
  });

  it("a task with no images says so where they would be", async () => {
    await openTask(page, t, await newTask(t, "No pictures"));
    await page.locator(".details").getByText("No images.").waitFor(WAIT);
  });

  it("the workspace's Settings say why there is no one to hand it to, rather than nothing", async () => {
    await board();
    await page.locator("details.settings > summary").click();
    await page.locator("details.settings").getByText(/No other member to hand the workspace to/).waitFor(WAIT);
    await page.keyboard.press("Escape");
  });

  it("an agent's @ chip under the comment box writes its mention and puts the focus back in the box, after it", async () => {
    await openTask(page, t, await newTask(t, "Chip focus"));
    const box = page.getByRole("textbox", { name: /^Comment/ });
    await box.fill("Please look");
    await page.getByRole("group", { name: "Mention an agent" }).getByRole("button").first().click();
    await page.waitForFunction(() => document.activeElement?.id === "comment-body", undefined, WAIT);
    const { value, caret } = await box.evaluate((el: HTMLTextAreaElement) => ({ value: el.value, caret: el.selectionStart }));
    assert.match(value, /^Please look @\S/);
    assert.equal(caret, value.length, "the caret after the mention, to go on typing");
  });
});
