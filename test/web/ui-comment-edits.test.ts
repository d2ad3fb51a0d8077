/**
 * Editing and deleting one's own comment on a task page, in a real browser: Edit opens the words inline (Ctrl+Enter
 * saves, Escape cancels, the focus back on Edit either way), the comment then says "(edited)" to everyone; Delete,
 * after a confirm, takes it off the feed. Another person's comment offers neither.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signedInSuite } from "./support/page.ts";

const WAIT = { timeout: 20_000 };

describe("editing and deleting your comments, in a real browser", { timeout: 300_000 }, () => {
  const suite = signedInSuite();
  const t = () => suite.t;
  const page = () => suite.page;

  const feed = async (taskId: string) =>
    ((await t().owner(t().creds.ownerToken, "GET", `/tasks/${taskId}`)).body.activity as Array<{ id: string; body: string; editedAt: number | null }>);
  const comment = (id: string) => page().locator(`[data-activity-id="${id}"]`);
  const focused = () => page().evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.id ?? null);

  it("edits your comment inline: Escape cancels, Ctrl+Enter saves, \"(edited)\" shows, and the focus goes back to Edit", async () => {
    const task = (await t().owner(t().creds.ownerToken, "POST", "/tasks", { projectId: t().creds.projectId, title: "Edit in place" })).body;
    const mine = (await t().owner(t().creds.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "Teh plan" })).body.comment;
    const bo = await t().hub.writer.run("addUser", { name: "Bo" });
    const theirs = (await t().owner(bo.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "Bo's words" })).body.comment;
    await page().goto(`${t().baseUrl}/tasks/${task.id}`);
    await comment(mine.id).getByText("Teh plan").waitFor(WAIT);
    await comment(theirs.id).getByText("Bo's words").waitFor(WAIT);
    assert.equal(await comment(theirs.id).getByRole("button").count(), 0, "another person's comment has no Edit or Delete");

    const edit = comment(mine.id).getByRole("button", { name: /^Edit your comment/ });
    await edit.click();
    const box = comment(mine.id).getByRole("textbox", { name: /^Your comment/ });
    await box.waitFor(WAIT);
    assert.equal(await box.evaluate((el) => el === document.activeElement), true, "the words take the focus");
    assert.equal(await box.inputValue(), "Teh plan");
    await box.fill("Something else");
    await page().keyboard.press("Escape");
    await edit.waitFor(WAIT);
    assert.match((await focused()) ?? "", /^Edit your comment/);
    assert.equal(await comment(mine.id).locator(".comment-body").innerText(), "Teh plan");

    await page().keyboard.press("Enter");
    await box.fill(`The plan, @${"Bo"}`);
    await page().keyboard.press("Control+Enter");
    await comment(mine.id).getByText("The plan, @Bo").waitFor(WAIT);
    await comment(mine.id).getByText("(edited)").waitFor(WAIT);
    assert.match((await focused()) ?? "", /^Edit your comment/);
    await comment(mine.id).getByRole("status").getByText(/An edit starts no agent's run/).waitFor(WAIT);
    const stored = (await feed(task.id)).find((a) => a.id === mine.id)!;
    assert.equal(stored.body, "The plan, @Bo");
    assert.equal(typeof stored.editedAt, "number");
    assert.equal(await comment(theirs.id).getByText("(edited)").count(), 0);
  });

  it("deletes your comment after a confirm: it leaves the feed, and the focus goes to the comment box", async () => {
    const task = (await t().owner(t().creds.ownerToken, "POST", "/tasks", { projectId: t().creds.projectId, title: "Delete one" })).body;
    const [kept, gone] = [
      (await t().owner(t().creds.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "Stays" })).body.comment,
      (await t().owner(t().creds.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "Goes" })).body.comment,
    ];
    await page().goto(`${t().baseUrl}/tasks/${task.id}`);
    await comment(gone.id).getByText("Goes").waitFor(WAIT);
    await comment(gone.id).getByRole("button", { name: /^Delete your comment/ }).click();
    await comment(gone.id).waitFor({ state: "detached", ...WAIT });
    await comment(kept.id).getByText("Stays").waitFor(WAIT);
    assert.equal(await focused(), "comment-body");
    // The entry before it, newest again, is not read out as news.
    assert.equal(await page().locator('section[aria-labelledby="activity-title"] > p[aria-live]').innerText(), "");
    assert.deepEqual((await feed(task.id)).map((a) => a.id), [kept.id]);
  });
});
