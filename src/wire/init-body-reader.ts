import { limits } from '../limits.ts';

/**
 * Reads an init body as it arrives: `{ …, "items": [item, item, …], … }` with its members in any
 * order. Each item is handed over as soon as its last byte is in, parsed by JSON.parse from its own
 * bytes (native, and exactly JSON.parse's reading of it); every other top-level member is kept,
 * parsed the same way, so the body without its items can be validated as a whole at the end. What is
 * held at once is one chunk, the item being read and the top-level members: never the body.
 *
 * Only the structure the items sit in is read here, byte by byte: the top-level object, its member
 * names, and the items array. Inside a member or an item only strings and brackets are tracked, to
 * find where it ends (a string is skipped to its closing quote at once); JSON.parse of its bytes
 * then checks it. Nesting is counted over every byte as scanJsonText (src/api/input-guard.ts)
 * counts it, so a body too deep is refused with the same code whether or not it is also broken
 * elsewhere.
 *
 * A body this shape does not fit is still read to its end (its signature covers every byte): after
 * a syntax error only the nesting count goes on; items are no longer handed over.
 */

const quote = 0x22;
const backslash = 0x5c;
const colon = 0x3a;
const comma = 0x2c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

/** The index of the first `byte` at or after `from`, or the chunk's length when there is none. */
function indexOrEnd(chunk: Buffer, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at === -1 ? chunk.length : at;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** A byte that may continue a number or a bare word (true, false, null, or junk JSON.parse will refuse). */
function isWordByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2b || byte === 0x2d || byte === 0x2e;
}

const enum Where {
  /** Before the top-level value. */
  Start,
  /** After `{`: a member name or `}`. */
  FirstKey,
  /** After `,` in the top-level object: a member name. */
  NextKey,
  /** After a member name: `:`. */
  Colon,
  /** After `:`: the member's value. */
  Value,
  /** After a member's value: `,` or `}`. */
  AfterValue,
  /** After `"items": [`: an item or `]`. */
  FirstItem,
  /** After `,` in the items array: an item. */
  NextItem,
  /** After an item: `,` or `]`. */
  AfterItem,
  /** After the top-level value: only whitespace. */
  End,
  /** A syntax error was found: only nesting is counted from here on. */
  Broken,
}

const enum Capture {
  None,
  /** A member name. */
  Key,
  /** A top-level member's value. */
  Member,
  /** One item of the items array. */
  Item,
  /** A top-level value that is not an object. */
  Whole,
}

const enum Kind {
  String,
  Container,
  Word,
}

/** What the reading found, once the body has ended. */
export interface InitBodyOutcome {
  /** Why the body is not JSON, or too deep to be taken; undefined when it is well-formed. */
  fault?: 'NESTING_TOO_DEEP' | 'MALFORMED_JSON';
  /**
   * The body as JSON.parse would give it, but with `items` an empty array (when it was an array): its
   * top-level members in order. Undefined when the body is empty or has a fault.
   */
  body?: unknown;
  /** A reason the body cannot be taken although it is JSON: a member or an item over its size, `items` twice. */
  refusal?: string;
}

export class InitBodyReader {
  private where = Where.Start;
  private depth = 0;
  private tooDeep = false;
  private inString = false;
  private escaped = false;
  private empty = true;
  private sawBytes = false;

  private capture = Capture.None;
  private kind = Kind.Word;
  /** Brackets open inside the value being captured. */
  private captureDepth = 0;
  private captureParts: Buffer[] = [];
  private captureBytes = 0;
  private captureStart = 0;
  private captureOver = false;

  private key = '';
  private readonly members: Record<string, unknown> = {};
  private whole: unknown;
  private hasWhole = false;
  private itemsSeen = false;
  private itemCount = 0;
  private refusal: string | undefined;
  private out: unknown[] = [];

  /** The members read before the items array began (its first `[`), or undefined before it has. */
  membersBeforeItems: Readonly<Record<string, unknown>> | undefined;

  /** Items read so far, whether handed over or not. */
  get itemsRead(): number {
    return this.itemCount;
  }

  /** Reads one chunk; returns the items it completed, in order. */
  push(chunk: Buffer): unknown[] {
    this.out = [];
    const n = chunk.length;
    if (n > 0) this.sawBytes = true;
    if (this.capture !== Capture.None) this.captureStart = 0;
    // Where the next quote and backslash stand, from i on (n: none): found by indexOf, natively, and
    // again only once passed, so the bytes of strings (most of a body) are not looked at one by one.
    let nextQuote = -1;
    let nextBackslash = -1;
    for (let i = 0; i < n; i++) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          continue;
        }
        if (nextQuote < i) nextQuote = indexOrEnd(chunk, quote, i);
        if (nextBackslash < i) nextBackslash = indexOrEnd(chunk, backslash, i);
        if (nextBackslash < nextQuote) {
          i = nextBackslash;
          this.escaped = true;
          continue;
        }
        // The string goes on into the next chunk.
        if (nextQuote === n) break;
        i = nextQuote;
        this.inString = false;
        if (this.capture !== Capture.None && this.captureDepth === 0) this.finishCapture(chunk, i + 1);
        continue;
      }
      const byte = chunk[i];
      if (byte === quote) {
        this.inString = true;
      } else if (byte === openBrace || byte === openBracket) {
        if (++this.depth > limits.jsonDepthLevelsMax) this.tooDeep = true;
      } else if (byte === closeBrace || byte === closeBracket) {
        this.depth -= 1;
      }
      if (this.where === Where.Broken) continue;
      if (this.capture !== Capture.None) {
        if (this.kind === Kind.Word) {
          if (isWordByte(byte)) continue;
          this.finishCapture(chunk, i);
          if ((this.where as Where) === Where.Broken) continue;
          // The byte that ended a number or word is the next piece of structure: read it below.
        } else {
          if (byte === openBrace || byte === openBracket) this.captureDepth += 1;
          else if (byte === closeBrace || byte === closeBracket) {
            this.captureDepth -= 1;
            if (this.captureDepth === 0) this.finishCapture(chunk, i + 1);
          }
          continue;
        }
      }
      if (isSpace(byte)) continue;
      this.empty = false;
      this.structure(byte, chunk, i);
    }
    if (this.capture !== Capture.None && this.where !== Where.Broken) this.keepCaptured(chunk, this.captureStart, n);
    return this.out;
  }

  /** The body has ended: what it was. */
  end(): InitBodyOutcome {
    if (this.capture === Capture.Whole && this.kind === Kind.Word && this.where !== Where.Broken) this.finishCapture(Buffer.alloc(0), 0);
    // Too deep, its top-level members are still read (a string member is flat), so a refusal can echo them.
    if (this.tooDeep) return { fault: 'NESTING_TOO_DEEP', body: this.hasWhole ? undefined : this.members };
    if (this.empty) return this.sawBytes ? { fault: 'MALFORMED_JSON' } : {};
    if (this.where !== Where.End || this.inString || this.capture !== Capture.None) return { fault: 'MALFORMED_JSON' };
    if (this.refusal) return { body: this.hasWhole ? this.whole : this.members, refusal: this.refusal };
    return { body: this.hasWhole ? this.whole : this.members };
  }

  private structure(byte: number, chunk: Buffer, i: number): void {
    switch (this.where) {
      case Where.Start:
        if (byte === openBrace) this.where = Where.FirstKey;
        else this.startCapture(Capture.Whole, byte, chunk, i);
        return;
      case Where.FirstKey:
        if (byte === closeBrace) this.where = Where.End;
        else if (byte === quote) this.startCapture(Capture.Key, byte, chunk, i);
        else this.broken();
        return;
      case Where.NextKey:
        if (byte === quote) this.startCapture(Capture.Key, byte, chunk, i);
        else this.broken();
        return;
      case Where.Colon:
        if (byte === colon) this.where = Where.Value;
        else this.broken();
        return;
      case Where.Value:
        if (this.key === 'items' && byte === openBracket) {
          if (this.itemsSeen) this.refusal ??= 'body/items must appear once';
          this.itemsSeen = true;
          this.membersBeforeItems = { ...this.members };
          this.setMember('items', []);
          this.where = Where.FirstItem;
        } else {
          this.startCapture(Capture.Member, byte, chunk, i);
        }
        return;
      case Where.AfterValue:
        if (byte === comma) this.where = Where.NextKey;
        else if (byte === closeBrace) this.where = Where.End;
        else this.broken();
        return;
      case Where.FirstItem:
        if (byte === closeBracket) this.where = Where.AfterValue;
        else this.startCapture(Capture.Item, byte, chunk, i);
        return;
      case Where.NextItem:
        if (byte === closeBracket || byte === comma) this.broken();
        else this.startCapture(Capture.Item, byte, chunk, i);
        return;
      case Where.AfterItem:
        if (byte === comma) this.where = Where.NextItem;
        else if (byte === closeBracket) this.where = Where.AfterValue;
        else this.broken();
        return;
      case Where.End:
        this.broken();
        return;
    }
  }

  /** A value begins at chunk[i] (already counted in depth and string state). */
  private startCapture(capture: Capture, byte: number, chunk: Buffer, i: number): void {
    if (byte === closeBrace || byte === closeBracket || byte === comma || byte === colon) return this.broken();
    this.capture = capture;
    this.kind = byte === quote ? Kind.String : byte === openBrace || byte === openBracket ? Kind.Container : Kind.Word;
    this.captureDepth = this.kind === Kind.Container ? 1 : 0;
    this.captureParts = [];
    this.captureBytes = 0;
    this.captureOver = false;
    this.captureStart = i;
  }

  private keepCaptured(chunk: Buffer, from: number, to: number): void {
    if (to <= from || this.captureOver) return;
    this.captureBytes += to - from;
    if (this.captureBytes > this.captureLimit()) {
      this.captureOver = true;
      this.captureParts = [];
      return;
    }
    // A copy: a view would keep the whole chunk alive for one short member.
    this.captureParts.push(Buffer.from(chunk.subarray(from, to)));
  }

  private captureLimit(): number {
    return this.capture === Capture.Item ? limits.initItemBytesMax : limits.initMemberBytesMax;
  }

  /** The captured value ends just before chunk[end]. */
  private finishCapture(chunk: Buffer, end: number): void {
    const capture = this.capture;
    this.capture = Capture.None;
    let text: string | undefined;
    if (!this.captureOver) {
      if (this.captureParts.length === 0) {
        if (end - this.captureStart > this.captureLimit()) this.captureOver = true;
        else text = chunk.toString('utf8', this.captureStart, end);
      } else {
        this.keepCaptured(chunk, this.captureStart, end);
        if (!this.captureOver) text = Buffer.concat(this.captureParts).toString('utf8');
      }
    }
    this.captureParts = [];
    // Past the nesting limit only strings are parsed: anything else may be the bomb itself.
    const value = text === undefined || (this.tooDeep && this.kind !== Kind.String) ? undefined : this.parse(text);
    if (this.where === Where.Broken) return;
    switch (capture) {
      case Capture.Key:
        // A name over its limit is no name of ours: the body fails its schema (unknown member).
        this.key = typeof value === 'string' ? value : '\u0000oversize';
        if (text === undefined) this.refusal ??= `body has a member name larger than ${limits.initMemberBytesMax} bytes`;
        this.where = Where.Colon;
        return;
      case Capture.Member:
        if (text === undefined) this.refusal ??= `body/${this.key} is larger than ${limits.initMemberBytesMax} bytes`;
        this.setMember(this.key, value);
        this.where = Where.AfterValue;
        return;
      case Capture.Item:
        if (text === undefined) this.refusal ??= `body/items/${this.itemCount} is larger than ${limits.initItemBytesMax} bytes`;
        else if (!this.tooDeep && this.refusal === undefined) this.out.push(value);
        this.itemCount += 1;
        this.where = Where.AfterItem;
        return;
      case Capture.Whole:
        if (text === undefined) this.refusal ??= 'body must be object';
        this.whole = value;
        this.hasWhole = true;
        this.where = Where.End;
        return;
    }
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      this.broken();
      return undefined;
    }
  }

  /** As JSON.parse sets it: an own member even when named `__proto__`, the last of a repeated name winning. */
  private setMember(key: string, value: unknown): void {
    Object.defineProperty(this.members, key, { value, enumerable: true, writable: true, configurable: true });
  }

  private broken(): void {
    this.where = Where.Broken;
    this.capture = Capture.None;
    this.captureParts = [];
  }
}
