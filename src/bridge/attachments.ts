/**
 * A task's images as OpenClaw attachments, so a model that takes images sees
 * them (a screenshot of the bug, the design) instead of only their links.
 * Each is fetched by the bridge, bounded (count, bytes, time), and checked to
 * be a PNG, JPEG, GIF or WebP by its first bytes; one that cannot be attached
 * is left out with the reason, and its link stays in the prompt.
 *
 * The addresses come from the task, which any member of its workspace can
 * edit, so the bridge refuses hosts that resolve to link-local, unspecified or
 * multicast addresses (cloud metadata services live at 169.254.169.254); it
 * allows loopback and private networks, where self-hosted images live.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { sniffImageType } from "../hub/domain/image-type.ts";

export interface ImageAttachment {
  type: "image";
  mimeType: string;
  fileName: string;
  /** Base64. */
  content: string;
}

export interface SkippedImage {
  name: string;
  url: string;
  reason: string;
  /** Asking again would give the same answer (not an image, too big, gone): no later turn need try it. */
  lasting: boolean;
}

export interface AttachmentLimits {
  /** Images per turn. Default 10 (the prompt lists 10). */
  maxCount?: number;
  /** One image's bytes (the gateway says its own in hello-ok). Default 6 MiB. */
  maxImageBytes?: number;
  /** All of them, base64, in one request frame. Default 20 MiB. */
  maxTotalChars?: number;
  /** One image's fetch, redirects included. Default 15 s. */
  timeoutMs?: number;
}

export interface AttachmentOptions extends AttachmentLimits {
  signal: AbortSignal;
  fetch?: typeof fetch;
  /** Resolves a host name to its addresses (tests; default: the system's resolver). */
  resolve?: (host: string) => Promise<string[]>;
}

const MAX_REDIRECTS = 3;
const MiB = 1024 * 1024;

/** Why an image could not be attached (its reason is shown to the owner); `lasting` unless another try may do. */
class Skip extends Error {
  constructor(message: string, readonly lasting = true) {
    super(message);
  }
}

/** The task's images that could be fetched, and why the others could not. Never throws, save for `signal`. */
export async function fetchAttachments(
  images: readonly { name: string; url: string }[], o: AttachmentOptions,
): Promise<{ attachments: ImageAttachment[]; skipped: SkippedImage[] }> {
  const maxCount = o.maxCount ?? 10;
  let budget = o.maxTotalChars ?? 20 * MiB;
  const attachments: ImageAttachment[] = [];
  const skipped: SkippedImage[] = [];
  for (const [index, image] of images.entries()) {
    const name = image.name.trim() || `image ${index + 1}`;
    if (index >= maxCount) {
      // Not this turn's: a later one may take it.
      skipped.push({ name, url: image.url, reason: `over ${maxCount} images`, lasting: false });
      continue;
    }
    try {
      const { bytes, mimeType } = await fetchImage(image.url, o);
      const content = bytes.toString("base64");
      if (content.length > budget) throw new Skip("the turn's images would not fit in one request", false);
      budget -= content.length;
      attachments.push({ type: "image", mimeType, fileName: fileName(name, image.url, mimeType), content });
    } catch (error) {
      if (o.signal.aborted) throw o.signal.reason;
      // A timeout or a dropped connection may pass: a later turn tries again.
      skipped.push({ name, url: image.url, reason: error instanceof Skip ? error.message : describe(error), lasting: error instanceof Skip && error.lasting });
    }
  }
  return { attachments, skipped };
}

async function fetchImage(address: string, o: AttachmentOptions): Promise<{ bytes: Buffer; mimeType: string }> {
  const maxBytes = o.maxImageBytes ?? 6 * MiB;
  const signal = AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs ?? 15_000)]);
  let url = parseUrl(address);
  for (let hop = 0; ; hop++) {
    await refuseUnsafeHost(url, o.resolve ?? resolveHost);
    const response = await (o.fetch ?? fetch)(url, { redirect: "manual", signal, headers: { accept: "image/png, image/jpeg, image/gif, image/webp" } });
    if (response.status >= 300 && response.status < 400 && response.headers.has("location")) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new Skip(`more than ${MAX_REDIRECTS} redirects`);
      url = parseUrl(new URL(response.headers.get("location")!, url).href);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      const passing = response.status >= 500 || response.status === 408 || response.status === 429;
      throw new Skip(`HTTP ${response.status}`, !passing);
    }
    const declared = Number(response.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel();
      throw new Skip(tooBig(declared, maxBytes));
    }
    const bytes = await readAtMost(response, maxBytes);
    // The same four formats the hub takes as uploads, told the same way.
    const mimeType = sniffImageType(bytes);
    if (!mimeType) throw new Skip("not a PNG, JPEG, GIF or WebP image");
    return { bytes, mimeType };
  }
}

function parseUrl(address: string): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Skip("not a web address");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Skip("not an http(s) address");
  return url;
}

async function resolveHost(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}

/** Refuses a host that is, or resolves to, an address no image should come from. */
async function refuseUnsafeHost(url: URL, resolve: (host: string) => Promise<string[]>): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    throw new Skip(`could not resolve ${host}`, false);
  }
  const unsafe = addresses.find(isUnsafeAddress);
  if (unsafe) throw new Skip(`${host} is a link-local, unspecified or multicast address (${unsafe})`);
}

/** Link-local (cloud metadata), unspecified and multicast addresses, v4 and v6 (v4-mapped too). */
export function isUnsafeAddress(address: string): boolean {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.\d+\.\d+$/i.exec(address);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || (a === 169 && b === 254) || a >= 224;
  }
  const v6 = address.toLowerCase();
  return v6 === "::" || /^fe[89ab]/.test(v6) || v6.startsWith("ff") || v6.startsWith("fd00:ec2:");
}

async function readAtMost(response: Response, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  try {
    for (let read = await reader?.read(); read && !read.done; read = await reader!.read()) {
      size += read.value.byteLength;
      if (size > maxBytes) throw new Skip(tooBig(size, maxBytes, true));
      chunks.push(Buffer.from(read.value));
    }
  } finally {
    await reader?.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks);
}

function tooBig(bytes: number, max: number, atLeast = false): string {
  return `${atLeast ? "over " : ""}${size(bytes)}, more than the ${size(max)} an image may have`;
}

function size(bytes: number): string {
  return bytes >= MiB / 10 ? `${(bytes / MiB).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function fileName(name: string, url: string, mimeType: string): string {
  let last = new URL(url).pathname.split("/").at(-1) ?? "";
  try {
    last = decodeURIComponent(last);
  } catch {
    // a malformed escape: the name as it is
  }
  const base = (/\.\w{2,5}$/.test(name) ? name : /\.\w{2,5}$/.test(last) ? last : `${name}.${mimeType.slice(6)}`).replace(/[/\\\0]/g, "_");
  return base.slice(0, 200);
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "it took too long";
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : null;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
