/**
 * Webhooks on the API tokens page in a real browser against a real hub: add one (its secret shown once with
 * Copy), see its agent's run delivered to a receiver on loopback and the row say so, send a test, delete it
 * after a confirm; and the list live, with no reload: a webhook added elsewhere, failing, delivered on its
 * retry, turned off.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { runIn } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { signedWith, startReceiver, type Receiver } from "../support/receiver.ts";
import { launchBrowser, type TestBrowser } from "./support/browser.ts";
import { ensureWebBuilt } from "./support/build.ts";
import { signedInPage } from "./support/page.ts";

const WAIT = { timeout: 20_000 };
const ARTIFACTS = "test-artifacts/web";
/** A retry waits this long of the hub's clock, which the test moves on: a failure shows for as long as it looks. */
const RETRY_MS = 600_000;

describe("webhooks on the API tokens page, in a real browser", { timeout: 300_000 }, () => {
  let t: TestHub;
  let b: TestBrowser;
  let page: Page;
  let r: Receiver;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];

  let skew = 0;
  const retryNow = () => void (skew += RETRY_MS + 1);

  before(async () => {
    ensureWebBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    r = await startReceiver();
    t = await startTestHub({
      clock: () => Date.now() + skew,
      webhooks: { pollMs: 20, retryBaseMs: RETRY_MS, retryMaxMs: RETRY_MS, disableAfterFailures: 2, disableAfterMs: 0 },
    });
    b = await launchBrowser();
    page = await signedInPage(t, b, pageErrors);
    // The shared page accepts every confirm(); this keeps its words.
    page.on("dialog", (dialog) => void dialogs.push(dialog.message()));
  });

  after(async () => {
    await b?.close();
    await t?.close();
    await r?.close();
    assert.deepEqual(pageErrors, [], "no uncaught errors or unhandled rejections on the page");
  });

  it("adds a webhook, shows its secret once with Copy, lists how its deliveries went, sends a test and deletes it after a confirm", async () => {
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("heading", { name: "Webhooks" }).waitFor(WAIT);
    await page.getByText("No webhooks yet.").waitFor(WAIT);
    await page.getByLabel("URL").fill(r.url);
    await page.getByLabel("Description").fill("My script");
    await page.getByRole("button", { name: "Add webhook" }).click();
    const shown = page.getByTestId("webhook-secret");
    await shown.waitFor(WAIT);
    const secret = (await shown.textContent())!;
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    await page.getByTestId("webhook-secret-once").getByRole("button", { name: "Copy" }).waitFor(WAIT);
    const row = page.locator(".webhooks li", { hasText: "My script" });
    await row.getByText("Nothing sent yet").waitFor(WAIT);
    await page.screenshot({ path: `${ARTIFACTS}/webhooks.png`, fullPage: true });
    await page.getByTestId("webhook-secret-once").getByRole("button", { name: "Done" }).click();

    // The hub's agent finishes a run of the owner's: delivered, signed with the secret the page showed.
    await runIn(t, "FINISHED");
    const got = await r.waitFor(2);
    assert.deepEqual(got.map((g) => g.body.type), ["run_started", "run_finished"]);
    assert.ok(got.every((g) => signedWith(g, secret)));

    await row.getByRole("button", { name: "Send test" }).click();
    await row.getByText("Test delivered (200)").waitFor(WAIT);
    await row.getByText(/Last delivered .* \(200\)/).waitFor(WAIT);
    assert.equal((await r.waitFor(1, (g) => g.body.type === "ping")).length, 1);
    await page.reload();
    await row.waitFor(WAIT);
    assert.ok(!(await page.content()).includes(secret), "the secret is never shown again");

    dialogs.length = 0;
    await row.getByRole("button", { name: "Delete" }).click();
    await row.waitFor({ state: "detached", ...WAIT });
    assert.deepEqual(dialogs, [`Delete the webhook to ${r.url}? Nothing more is sent to it.`]);
    assert.deepEqual((await t.owner(t.creds.ownerToken, "GET", "/webhooks")).body, []);
  });

  it("keeps the list live without a reload: a webhook added elsewhere appears, then shows failing, delivered on its retry, turned off, and on again after a test", async () => {
    const status = () => page.locator(".webhooks li", { hasText: "From a script" }).getByTestId("webhook-status");
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByText("No webhooks yet.").waitFor(WAIT);
    const navigations: string[] = [];
    page.on("framenavigated", (frame) => void (frame === page.mainFrame() && navigations.push(frame.url())));

    r.answer = () => 500;
    assert.equal((await t.owner(t.creds.ownerToken, "POST", "/webhooks", { url: r.url, description: "From a script" })).status, 201);
    await status().getByText("Nothing sent yet").waitFor(WAIT);
    await runIn(t, "FINISHED");
    await status().getByText(/^Failing: HTTP 500 at .*, 1 in a row; next try /).waitFor(WAIT);

    r.answer = () => 200;
    retryNow();
    await status().getByText(/^Last delivered .* \(200\)$/).waitFor(WAIT);

    r.answer = () => 500;
    await runIn(t, "FINISHED");
    await status().getByText(/^Failing: HTTP 500 at .*, 1 in a row/).waitFor(WAIT);
    retryNow();
    await status().getByText(/^Turned off .* after 2 failed deliveries/).waitFor(WAIT);
    await page.screenshot({ path: `${ARTIFACTS}/webhooks-turned-off.png`, fullPage: true });
    r.answer = () => 200;
    await page.locator(".webhooks li", { hasText: "From a script" }).getByRole("button", { name: "Send test" }).click();
    await status().getByText(/^On again after a test delivered; the last delivery failed: HTTP 500 at /).waitFor(WAIT);
    assert.deepEqual(navigations, [], "no reload");
  });
});
