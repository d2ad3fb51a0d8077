/**
 * Coming back into a workspace, in a real browser: its creator's Remove confirm says who can let the person back in;
 * the removed person opening another member's link is told in words why not and whom to ask, and gets in by the
 * creator's link.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertStatus } from "../support/api.ts";
import { loginCode } from "./support/session.ts";
import { signedInSuite } from "./support/page.ts";

const WAIT = { timeout: 20_000 };

describe("coming back into a workspace, in a real browser", { timeout: 300_000 }, () => {
  const s = signedInSuite();

  it("the creator's Remove warns that only they can let the person back in; the person is refused another member's link in words and joins by the creator's", async () => {
    const { t, page } = s;
    const [mia, rex] = [await t.hub.writer.run("addUser", { name: "Mia" }), await t.hub.writer.run("addUser", { name: "Rex" })];
    for (const p of [mia, rex]) assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${t.creds.workspaceId}/members`, { userId: p.userId }), 201);
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => void dialogs.push(dialog.message()));
    await page.getByText("Members (").click();
    const row = page.getByRole("list", { name: /^Members of / }).getByRole("listitem").filter({ hasText: "Rex" });
    await row.getByRole("button", { name: "Remove" }).click();
    await row.waitFor({ state: "detached", ...WAIT });
    assert.match(dialogs[0] ?? "", /^Remove Rex from .*only the workspace's creator \(you\) can let them back in\.$/);

    const link = async (token: string) => `${t.baseUrl}${(await t.owner(token, "POST", `/workspaces/${t.creds.workspaceId}/invites`)).body.url}`;
    const [mias, creators] = [await link(mia.ownerToken), await link(t.creds.ownerToken)];
    const creator = (await t.owner(t.creds.ownerToken, "GET", "/me")).body.name as string;
    const workspace = (await t.owner(t.creds.ownerToken, "GET", "/workspaces")).body.find((w: { id: string }) => w.id === t.creds.workspaceId).name as string;
    // Rex signs in on this browser, and opens Mia's link.
    await page.goto(`${t.baseUrl}/login#code=${encodeURIComponent(await loginCode(t, rex.userId))}`);
    await page.locator(".who", { hasText: "Rex" }).waitFor(WAIT);
    await page.goto(mias);
    await page.getByRole("button", { name: "Join as Rex" }).click();
    await page.getByRole("alert").getByText(`You were removed from ${workspace} by its creator: only the workspace's creator (${creator}) can let you back in. Ask them to add you, or for an invite link of theirs.`).waitFor(WAIT);
    assert.equal((await t.owner(mia.ownerToken, "GET", `/workspaces/${t.creds.workspaceId}/invites`)).body.length, 2, "Mia's link is left for whom it was made");

    await page.goto(creators);
    await page.getByRole("button", { name: "Join as Rex" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    const members = (await t.owner(t.creds.ownerToken, "GET", `/workspaces/${t.creds.workspaceId}/members`)).body;
    assert.ok(members.some((m: { id: string }) => m.id === rex.userId));
  });
});
