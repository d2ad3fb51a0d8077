/**
 * A client frame over the size limit, read as it streams past without being held: what the hub needs to answer
 * it (its type and request id; a ModifyQuerySet's versions and each query's id), so that the stock client, which
 * sends the same frame again after every reconnect, gets an answer instead of a closed socket.
 *
 * It keeps the top-level scalar fields (`type`, `requestId`, `baseVersion`, ...) and, of a `modifications`
 * array, each element whole while they fit in `keepBytes`; an element past that, or larger than `maxElementBytes`
 * alone, is kept as `{ "type", "queryId", "$bytes" }`. The summary is the JSON text of the frame so shortened,
 * with `$frameBytes` and `$frameLimit`, for the frame parser (protocol.ts) to read like any other frame.
 * Memory: `keepBytes` plus a few dozen bytes per element, whatever the frame's size.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MODIFICATIONS = "modifications";
/** Longer keys or scalars are not kept: no field of the protocol has one (udfPath is at most 1024 characters). */
const MAX_TOKEN_BYTES = 1100;
const MAX_FIELDS = 32;
/** The types the hub answers from a summary (protocol.ts); for another, the summary goes as soon as its type is read. */
const ANSWERED = new Set(['"Mutation"', '"Action"', '"ModifyQuerySet"', '"Authenticate"']);

export interface OversizedFrameLimits {
  /** The frame limit the client passed (for the answer's message). */
  readonly frameLimit: number;
  /** Bytes of `modifications` elements kept whole. */
  readonly keepBytes: number;
  /** An element larger than this is kept by id alone. */
  readonly maxElementBytes: number;
}

export class OversizedFrame {
  private bytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** At depth 1 (the frame) and depth 3 (one modification): the next token is a key. */
  private expectKey1 = false;
  private expectKey3 = false;
  private key1 = "";
  private key3 = "";
  /** The token being read (a key, or a scalar value at depth 1 or 3), or none. */
  private token: number[] | null = null;
  private tokenIsString = false;
  private tokenOverflow = false;
  private readonly fields: string[] = [];
  /** Inside the frame's `modifications` array. */
  private inModifications = false;
  private sawModifications = false;
  /** The elements' text, joined by commas; an element not kept is replaced by its marker. */
  private kept = Buffer.allocUnsafe(64 * 1024);
  private keptLength = 0;
  private elements = 0;
  private element: { start: number; bytes: number; keep: boolean; queryId: string | null; type: string | null } | null = null;
  /** Something the summary cannot express (an element that is not an object, say): the parser then refuses the frame. */
  private malformed = false;

  /** The frame's `type`, as JSON text, once read. */
  private type: string | null = null;

  /** `frameBytes`: the payload's length, from the frame's header. */
  constructor(private readonly limits: OversizedFrameLimits, private readonly frameBytes = Infinity) {}

  /** Its type is read, and the hub answers no frame of that type: the rest need not be read. */
  get unanswered(): boolean {
    return this.type !== null && !ANSWERED.has(this.type);
  }

  /** The next bytes of the frame's payload, `data[from, to)`, unmasked with `mask` from payload offset `this.bytes`; none once `unanswered`. */
  push(data: Buffer, from: number, to: number, mask: Buffer | null): void {
    let i = from;
    while (i < to) {
      if (this.inString && this.token === null && !this.element?.keep) {
        i = this.skipString(data, i, to, mask);
        continue;
      }
      const c = mask ? data[i]! ^ mask[this.bytes & 3]! : data[i]!;
      this.bytes++;
      this.byte(c);
      i++;
      // Nothing after its type matters then, however the reads split the frame.
      if (this.type !== null && this.unanswered) return;
    }
  }

  /** The inside of a string nobody keeps (a huge argument, say): only its end matters. Returns where it stopped. */
  private skipString(data: Buffer, from: number, to: number, mask: Buffer | null): number {
    let i = from;
    let escaped = this.escaped;
    const start = this.bytes;
    for (; i < to; i++) {
      const c = mask ? data[i]! ^ mask[(start + i - from) & 3]! : data[i]!;
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) {
        i++;
        this.inString = false;
        break;
      }
    }
    this.escaped = escaped;
    this.bytes += i - from;
    if (this.element) this.element.bytes += i - from;
    return i;
  }

  /** The summary's JSON text, once the whole payload has been pushed. */
  summary(): string {
    const bytes = Number.isFinite(this.frameBytes) ? this.frameBytes : this.bytes;
    const fields = [...this.fields, `"$frameBytes":${bytes}`, `"$frameLimit":${this.limits.frameLimit}`];
    if (this.sawModifications && !this.malformed && !this.inModifications) {
      fields.push(`"${MODIFICATIONS}":[${this.kept.toString("utf8", 0, this.keptLength)}]`);
    }
    return `{${fields.join(",")}}`;
  }

  private byte(c: number): void {
    const element = this.element;
    if (element) {
      element.bytes++;
      if (element.keep) this.keep(c, element);
    }
    if (this.token) {
      if (this.tokenIsString) {
        this.tokenByte(c);
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          this.endToken();
        }
        return;
      }
      if (!isDelimiter(c)) return this.tokenByte(c);
      this.endToken();
    }
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === BACKSLASH) this.escaped = true;
      else if (c === QUOTE) this.inString = false;
      return;
    }
    switch (c) {
      case 0x7b: // {
      case 0x5b: // [
        this.open(c);
        return;
      case 0x7d: // }
      case 0x5d: // ]
        this.close();
        return;
      case 0x2c: // ,
        if (this.depth === 1) this.expectKey1 = true;
        else if (this.depth === 3 && this.element) this.expectKey3 = true;
        return;
      case 0x3a: // :
        if (this.depth === 1) this.expectKey1 = false;
        else if (this.depth === 3) this.expectKey3 = false;
        return;
      case 0x20: case 0x09: case 0x0a: case 0x0d:
        return;
      case QUOTE:
        this.inString = true;
        this.startToken(c, true);
        return;
      default:
        this.startToken(c, false);
    }
  }

  private open(c: number): void {
    if (this.depth === 0 && c === 0x7b) this.expectKey1 = true;
    if (this.depth === 1 && c === 0x5b && !this.expectKey1 && this.key1 === MODIFICATIONS) {
      this.inModifications = true;
      this.sawModifications = true;
    } else if (this.depth === 2 && this.inModifications) {
      if (c !== 0x7b) this.malformed = true;
      this.startElement(c);
    }
    this.depth++;
  }

  private close(): void {
    this.depth--;
    if (this.depth === 1 && this.inModifications) this.inModifications = false;
    else if (this.depth === 2 && this.element) this.endElement();
  }

  private startToken(c: number, isString: boolean): void {
    if (this.depth === 2 && this.inModifications) this.malformed = true;
    const read = this.depth === 1 || (this.depth === 3 && this.element !== null);
    if (!read) return;
    this.token = [c];
    this.tokenIsString = isString;
    this.tokenOverflow = false;
  }

  private tokenByte(c: number): void {
    if (this.token!.length < MAX_TOKEN_BYTES) this.token!.push(c);
    else this.tokenOverflow = true;
  }

  private endToken(): void {
    const raw = this.tokenOverflow ? null : Buffer.from(this.token!).toString("utf8");
    this.token = null;
    if (this.depth === 1) {
      if (this.expectKey1) this.key1 = raw ? parseKey(raw) : "";
      else if (raw !== null && this.key1 && this.key1 !== MODIFICATIONS && this.fields.length < MAX_FIELDS) {
        this.fields.push(`${JSON.stringify(this.key1)}:${raw}`);
        if (this.key1 === "type") this.type = raw;
      }
    } else if (this.element) {
      if (this.expectKey3) this.key3 = raw ? parseKey(raw) : "";
      else if (this.key3 === "queryId") this.element.queryId = raw;
      else if (this.key3 === "type") this.element.type = raw;
    }
  }

  private startElement(c: number): void {
    if (this.elements > 0) this.append(0x2c);
    this.elements++;
    const start = this.keptLength;
    this.element = { start, bytes: 1, keep: start < this.limits.keepBytes, queryId: null, type: null };
    this.expectKey3 = true;
    this.key3 = "";
    if (this.element.keep) this.append(c);
  }

  private endElement(): void {
    const element = this.element!;
    this.element = null;
    if (element.keep) return;
    if (element.queryId === null || !/^\d+$/.test(element.queryId)) {
      this.malformed = true;
      return;
    }
    const marker = `{"type":${element.type ?? '"Add"'},"queryId":${element.queryId},"$bytes":${element.bytes}}`;
    for (const b of Buffer.from(marker)) this.append(b);
  }

  /** Keeps one more byte of the element, or gives up on keeping it whole once it is too large. */
  private keep(c: number, element: NonNullable<OversizedFrame["element"]>): void {
    if (element.bytes > this.limits.maxElementBytes || this.keptLength >= this.limits.keepBytes) {
      element.keep = false;
      this.keptLength = element.start;
      return;
    }
    this.append(c);
  }

  private append(c: number): void {
    if (this.keptLength === this.kept.length) {
      const grown = Buffer.allocUnsafe(this.kept.length * 2);
      this.kept.copy(grown, 0, 0, this.keptLength);
      this.kept = grown;
    }
    this.kept[this.keptLength++] = c;
  }
}

function isDelimiter(c: number): boolean {
  return c === 0x2c || c === 0x7d || c === 0x5d || c === 0x3a || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function parseKey(raw: string): string {
  try {
    const key: unknown = JSON.parse(raw);
    return typeof key === "string" ? key : "";
  } catch {
    return "";
  }
}
