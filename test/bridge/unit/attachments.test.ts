import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fetchAttachments, isUnsafeAddress } from "../../../src/bridge/attachments.ts";
import { png, startImageServer, type ImageServer } from "../support/image-server.ts";

describe("a task's images as OpenClaw attachments", () => {
  let server: ImageServer;
  before(async () => (server = await startImageServer()));
  after(() => server.close());
  const signal = new AbortController().signal;

  it("fetches a PNG (after a redirect, or typed wrongly by its server) as a base64 image attachment named after the image", async () => {
    const { attachments, skipped } = await fetchAttachments([
      { name: "Login crash", url: `${server.url}/shot.png` },
      { name: "moved.png", url: `${server.url}/moved` },
      { name: "", url: `${server.url}/untyped` },
    ], { signal });
    assert.deepEqual(skipped, []);
    assert.deepEqual(attachments.map((a) => [a.type, a.mimeType, a.fileName]), [
      ["image", "image/png", "shot.png"], ["image", "image/png", "moved.png"], ["image", "image/png", "image 3.png"],
    ]);
    for (const a of attachments) assert.ok(Buffer.from(a.content, "base64").equals(png()));
  });

  it("leaves out, with a reason a person can act on, what is not an image, missing, too big, too slow, or redirected in circles", async () => {
    const { attachments, skipped } = await fetchAttachments([
      { name: "page", url: `${server.url}/page.html` },
      { name: "gone", url: `${server.url}/nothing-here.png` },
      { name: "big", url: `${server.url}/big.png` },
      { name: "streamed", url: `${server.url}/streamed.png` },
      { name: "slow", url: `${server.url}/slow.png` },
      { name: "loop", url: `${server.url}/loop` },
      { name: "fine", url: `${server.url}/shot.png` },
    ], { signal, maxImageBytes: 32 * 1024, timeoutMs: 500 });
    assert.deepEqual(attachments.map((a) => a.fileName), ["shot.png"]);
    // How far a stream got before it was cut off depends on how its bytes arrived.
    const streamed = skipped.find((s) => s.name === "streamed");
    assert.match(streamed?.reason ?? "", /^over \d+ KB, more than the 32 KB an image may have$/);
    assert.equal(streamed?.lasting, true);
    // Only the slow one may do better another time.
    assert.deepEqual(skipped.filter((s) => s !== streamed).map(({ name, reason, lasting }) => ({ name, reason, lasting })), [
      { name: "page", reason: "not a PNG, JPEG, GIF or WebP image", lasting: true },
      { name: "gone", reason: "HTTP 404", lasting: true },
      { name: "big", reason: "8.0 MB, more than the 32 KB an image may have", lasting: true },
      { name: "slow", reason: "it took too long", lasting: false },
      { name: "loop", reason: "more than 3 redirects", lasting: true },
    ]);
    assert.equal(skipped[0]!.url, `${server.url}/page.html`);
  });

  it("attaches at most the count and the total the gateway takes, and says what it left out", async () => {
    const images = Array.from({ length: 4 }, (_, i) => ({ name: `shot ${i}`, url: `${server.url}/shot.png` }));
    // Left for a later turn (not lasting): this one's limits, not the images'.
    const byCount = await fetchAttachments(images, { signal, maxCount: 2 });
    assert.deepEqual([byCount.attachments.length, byCount.skipped.map(({ name, reason, lasting }) => [name, reason, lasting])], [2, [["shot 2", "over 2 images", false], ["shot 3", "over 2 images", false]]]);
    const oneFits = png().toString("base64").length;
    const byTotal = await fetchAttachments(images, { signal, maxTotalChars: oneFits * 3 });
    assert.deepEqual([byTotal.attachments.length, byTotal.skipped.map((s) => [s.reason, s.lasting])], [3, [["the turn's images would not fit in one request", false]]]);
  });

  it("refuses hosts on link-local, unspecified or multicast addresses (a cloud's metadata service), and connects only where its lookup said", async () => {
    const resolve = async (host: string) => (host === "metadata.internal" ? ["10.0.0.7", "169.254.169.254"] : host === "images.test" ? ["127.0.0.1"] : []);
    const port = new URL(server.url).port;
    const { attachments, skipped } = await fetchAttachments([
      { name: "metadata", url: "http://169.254.169.254/latest/meta-data/" },
      { name: "named", url: "http://metadata.internal/computeMetadata" },
      { name: "v6", url: "http://[fe80::1]/x.png" },
      { name: "zero", url: "http://0.0.0.0:1/x.png" },
      { name: "nowhere", url: "http://nowhere.test/x.png" },
      // A name only this lookup knows: the image comes from the address it gave, not from a second lookup of the name.
      { name: "named right", url: `http://images.test:${port}/shot.png` },
    ], { signal, resolve });
    assert.deepEqual(attachments.map((a) => a.fileName), ["shot.png"]);
    assert.deepEqual(skipped.map((s) => [s.reason, s.lasting]), [
      ["169.254.169.254 is a link-local, unspecified or multicast address (169.254.169.254)", true],
      ["metadata.internal is a link-local, unspecified or multicast address (169.254.169.254)", true],
      ["fe80::1 is a link-local, unspecified or multicast address (fe80::1)", true],
      ["0.0.0.0 is a link-local, unspecified or multicast address (0.0.0.0)", true],
      ["could not resolve nowhere.test", false],
    ]);
  });

  it("tells unsafe addresses from loopback and private ones, which self-hosted images use", () => {
    for (const address of ["169.254.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::", "fe80::1", "ff02::1", "::ffff:169.254.169.254", "fd00:ec2::254"]) {
      assert.equal(isUnsafeAddress(address), true, address);
    }
    for (const address of ["127.0.0.1", "10.0.0.5", "192.168.1.10", "172.16.0.1", "8.8.8.8", "::1", "fd12:3456::1", "2001:db8::1"]) {
      assert.equal(isUnsafeAddress(address), false, address);
    }
  });

  it("gives up at once when the run is stopped", async () => {
    const stop = new AbortController();
    const pending = fetchAttachments([{ name: "slow", url: `${server.url}/slow.png` }], { signal: stop.signal });
    stop.abort(new Error("stopped"));
    await assert.rejects(pending, /stopped/);
  });
});
