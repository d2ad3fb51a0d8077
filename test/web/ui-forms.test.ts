/**
 * The owner's web UI's forms and lists in a real headless Chromium: what a click twice, a pasted link or a hub
 * out of reach for a while leave on the page, and what a screen reader hears of them. Each step stands on its own
 * after the sign-in.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { TestHub } from "../support/hub.ts";
import { holdRequests, newTask, openTask, signedInSuite } from "./support/page.ts";
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
});
