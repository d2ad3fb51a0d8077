/**
 * A task's images as OpenClaw attachments, so a model that takes images sees
 * them (a screenshot of the bug, the design) instead of only their links.
 * Each is fetched by the bridge, bounded (count, bytes, time), and checked to
 * be a PNG, JPEG, GIF or WebP by its first bytes; one that cannot be attached
 * is left out with the reason, and its link stays in the prompt.
 *
 * The addresses come from the task, which any member of its workspace can
 * edit, so the bridge refuses hosts that resolve to link-local, unspecified or
 * multicast addresses (cloud metadata services live at 169.254.169.254), in
 * the socket's own lookup; it allows loopback and private networks, where
 * self-hosted images live.
 */
import { lookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
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
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 15_000);
  const signal = AbortSignal.any([o.signal, timeout]);
  const lookup = checkingLookup(o.resolve ?? resolveHost);
  let url = parseUrl(address);
  try {
    for (let hop = 0; ; hop++) {
      const response = await get(url, signal, lookup);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.destroy();
        if (hop >= MAX_REDIRECTS) throw new Skip(`more than ${MAX_REDIRECTS} redirects`);
        url = parseUrl(new URL(response.headers.location, url).href);
        continue;
      }
      if (status < 200 || status >= 300) {
        response.destroy();
        const passing = status >= 500 || status === 408 || status === 429;
        throw new Skip(`HTTP ${status}`, !passing);
      }
      const declared = Number(response.headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBytes) {
        response.destroy();
        throw new Skip(tooBig(declared, maxBytes));
      }
      const bytes = await readAtMost(response, maxBytes);
      // The same four formats the hub takes as uploads, told the same way.
      const mimeType = sniffImageType(bytes);
      if (!mimeType) throw new Skip("not a PNG, JPEG, GIF or WebP image");
      return { bytes, mimeType };
    }
  } catch (error) {
    if (timeout.aborted && !o.signal.aborted) throw new Skip("it took too long", false);
    throw error;
  }
}

/** One GET; the connection goes only to addresses `lookup` let through. */
function get(url: URL, signal: AbortSignal, lookup: LookupFunction): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // An address in the URL is connected to without a lookup: checked here instead.
  if (isIP(host) && isUnsafeAddress(host)) return Promise.reject(unsafeHost(host, host));
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      signal, lookup, headers: { accept: "image/png, image/jpeg, image/gif, image/webp" },
    }, resolve);
    request.once("error", reject);
    request.end();
  });
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

/**
 * The socket's own name lookup, refusing a name with any address no image should come from. The connection
 * then goes to the addresses checked here, so a name that resolves elsewhere a moment later (DNS rebinding)
 * cannot slip past.
 */
function checkingLookup(resolve: (host: string) => Promise<string[]>): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then((addresses) => {
      const unsafe = addresses.find(isUnsafeAddress);
      if (unsafe) return callback(unsafeHost(hostname, unsafe), "", 4);
      if (addresses.length === 0) return callback(new Skip(`could not resolve ${hostname}`, false), "", 4);
      if (options.all) return (callback as unknown as (e: null, all: { address: string; family: number }[]) => void)(null, addresses.map((address) => ({ address, family: isIP(address) })));
      callback(null, addresses[0]!, isIP(addresses[0]!));
    }, () => callback(new Skip(`could not resolve ${hostname}`, false), "", 4));
  };
}

function unsafeHost(host: string, address: string): Skip {
  return new Skip(`${host} is a link-local, unspecified or multicast address (${address})`);
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

async function readAtMost(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new Skip(tooBig(size, maxBytes, true));
      chunks.push(chunk);
    }
  } finally {
    response.destroy();
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

/** A connection's failure (refused, reset, a TLS error), as its cause says it. Timeouts are said in fetchImage. */
function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : null;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
