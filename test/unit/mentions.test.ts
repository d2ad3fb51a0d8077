import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { foldName, mentionedNames, mentionsIn } from "../../src/hub/domain/mentions.ts";

const agents = [{ name: "OpenClaw Bot" }, { name: "Bot" }, { name: "Bot Two" }, { name: "Élise" }];
const names = (body: string, candidates = agents) => mentionedNames(body, candidates).map((a) => a.name);

describe("@mentions", () => {
  it("finds an agent mentioned by its full name, in any case, anywhere in the text", () => {
    assert.deepEqual(names("@OpenClaw Bot please fix it"), ["OpenClaw Bot"]);
    assert.deepEqual(names("please, @openclaw bot, fix it"), ["OpenClaw Bot"]);
    assert.deepEqual(names("Hey\n@OPENCLAW BOT."), ["OpenClaw Bot"]);
  });

  it("needs the @ and a word boundary on both sides", () => {
    assert.deepEqual(names("OpenClaw Bot please"), []);
    assert.deepEqual(names("mail me at me@OpenClaw Bot"), []);
    assert.deepEqual(names("@OpenClaw Bots are great"), []);
    assert.deepEqual(names("@OpenClaw Bot_2"), []);
    assert.deepEqual(names("@OpenClaw Bot's turn"), ["OpenClaw Bot"]);
  });

  it("prefers the longest name when names overlap", () => {
    assert.deepEqual(names("@Bot Two, go"), ["Bot Two"]);
    assert.deepEqual(names("@Bot and @Bot Two"), ["Bot", "Bot Two"]);
    assert.deepEqual(names("@OpenClaw Bot"), ["OpenClaw Bot"]);
  });

  it("answers each agent once, however often it is mentioned, and skips a bad mention for a good one", () => {
    assert.deepEqual(names("@Bot @Bot @bot"), ["Bot"]);
    assert.deepEqual(names("@Botty then @Bot"), ["Bot"]);
  });

  it("answers agents in the order the comment first mentions them", () => {
    assert.deepEqual(names("@Élise then @OpenClaw Bot, and @Bot Two"), ["Élise", "OpenClaw Bot", "Bot Two"]);
    assert.deepEqual(names("@Bot Two first, @Bot after"), ["Bot Two", "Bot"]);
  });

  it("matches names in any case across Unicode, and in compatibility forms", () => {
    assert.deepEqual(names("@ÉLISE, à toi"), ["Élise"]);
    assert.deepEqual(names("@ärger go", [{ name: "ÄRGER" }]), ["ÄRGER"]);
    assert.deepEqual(names("@Ｂｏｔ (full-width)"), ["Bot"]);
    assert.equal(foldName("Ärger"), foldName("äRGER"));
    assert.notEqual(foldName("Arger"), foldName("Ärger"));
  });

  it("handles letters beyond ASCII as word characters", () => {
    assert.deepEqual(names("merci @élise !"), ["Élise"]);
    assert.deepEqual(names("@Élisee"), []);
  });

  it("names no one for a name two candidates go by, and says which names those were, in order", () => {
    const people = [{ name: "Sam", id: 1 }, { name: "SAM", id: 2 }, { name: "Ann", id: 3 }, { name: "Sam Lee", id: 4 }, { name: "Sam Lee", id: 5 }];
    assert.deepEqual(mentionsIn("@Ann, @sam and @Ann", people), { named: [people[2]], ambiguous: ["Sam"] });
    // The longest name still wins, ambiguous or not: "@Sam Lee" is no mention of a Sam.
    assert.deepEqual(mentionsIn("@sam lee first, then @ANN", people), { named: [people[2]], ambiguous: ["Sam Lee"] });
    assert.deepEqual(mentionsIn("@Sam", [{ name: "Sam" }, { name: "Ｓａｍ" }]).ambiguous, ["Sam"]);
  });

  it("answers nothing without candidates or mentions", () => {
    assert.deepEqual(names("@Anyone", []), []);
    assert.deepEqual(names(""), []);
  });
});
