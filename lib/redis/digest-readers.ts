// Incremental digests over bounded reads. Each reader is a small state machine: it names its next
// command (GETRANGE window, LRANGE/ZRANGE window, XRANGE page, HSCAN/SSCAN step, each sized by
// lib/redis/budget.ts) and digests the reply, so a 100 MB string or a 2,000,000-field hash is
// fingerprinted over many short commands, holding one reply at a time. Pure: read-fingerprint.ts
// sends the commands. Digests equal those of a whole read (digestFlat), so both paths agree.
import { formatBytes } from "../format";
import { estimateBytes, planElements, REPLY_BUDGET_BYTES, type ValueSize } from "./budget";
import { asBuffer, asBuffers, asNumber, asScanReply } from "./reply";
import { OrderedDigest, UnorderedDigest } from "./fingerprint";

export type Arg = string | number | Buffer;

export interface DigestReader {
  /** The next bounded command with its estimated reply bytes, or null when the value is read. */
  next(): { cmd: string; args: Arg[]; bytes: number } | null;
  take(reply: unknown): void;
  /** The digest, or null with `unread` set. */
  result(): string | null;
  unread?: string;
  /** Set when the reader re-measured a value that changed while it was read. */
  length: number;
}

export interface DigestLimits {
  maxElements: number;
  maxStringBytes: number;
  /** Most elements one command may ask for. */
  batch: number;
}

/** A reader for this value, or why it is not read (digest null: compared by type, length and TTL). */
export function digestReader(key: Buffer, size: ValueSize, limits: DigestLimits): DigestReader | { unread: string } {
  if (size.type === "string") {
    if (size.length > limits.maxStringBytes) return { unread: `${formatBytes(size.length)} string, over the ${formatBytes(limits.maxStringBytes)} read limit` };
    return new StringReader(key, size.length);
  }
  const stride = size.type === "hash" || size.type === "zset" ? 2 : 1;
  if (!["hash", "set", "list", "zset", "stream"].includes(size.type)) return { unread: "module type: compared by type and TTL only" };
  if (size.length > limits.maxElements) return { unread: `${size.length} elements, over the ${limits.maxElements} read limit` };
  const plan = planElements(size, limits.batch);
  if ("tooLarge" in plan) return { unread: plan.tooLarge };
  const bytes = estimateBytes(size, plan.perCall);
  if (size.type === "hash" || size.type === "set") return new ScanReader(key, size.type, size.length, plan.perCall, stride, bytes);
  if (size.type === "stream") return new StreamReader(key, size.length, plan.perCall, bytes);
  return new RangeReader(key, size.type, size.length, plan.perCall, stride, bytes);
}

/** GETRANGE windows of REPLY_BUDGET_BYTES, never past the length measured first. */
class StringReader implements DigestReader {
  private readonly digest = new OrderedDigest("string");
  private offset = 0;
  private done = false;
  constructor(private readonly key: Buffer, public length: number) {
    this.digest.begin(length);
    this.done = length === 0;
  }
  next() {
    if (this.done) return null;
    const end = Math.min(this.offset + REPLY_BUDGET_BYTES, this.length);
    return { cmd: "GETRANGE", args: [this.key, this.offset, end - 1], bytes: end - this.offset };
  }
  take(reply: unknown): void {
    const chunk = asBuffer(reply, "GETRANGE");
    const wanted = Math.min(REPLY_BUDGET_BYTES, this.length - this.offset);
    this.digest.more(chunk);
    this.offset += chunk.length;
    // A short window means the string shrank meanwhile: the digest then differs, which is right.
    if (chunk.length < wanted || this.offset >= this.length) this.done = true;
  }
  result(): string {
    return this.digest.hex();
  }
}

/** LRANGE / ZRANGE ... WITHSCORES windows by index. */
class RangeReader implements DigestReader {
  private readonly digest: OrderedDigest;
  private offset = 0;
  private done = false;
  constructor(private readonly key: Buffer, private readonly type: string, public length: number, private readonly perCall: number, private readonly stride: number, private readonly bytes: number) {
    this.digest = new OrderedDigest(type);
    this.done = length === 0;
  }
  next() {
    if (this.done) return null;
    const stop = this.offset + this.perCall - 1;
    return this.type === "zset"
      ? { cmd: "ZRANGE", args: [this.key, this.offset, stop, "WITHSCORES"], bytes: this.bytes }
      : { cmd: "LRANGE", args: [this.key, this.offset, stop], bytes: this.bytes };
  }
  take(reply: unknown): void {
    const flat = asBuffers(reply, this.type);
    for (let i = 0; i + this.stride <= flat.length; i += this.stride) this.digest.add(...flat.slice(i, i + this.stride));
    const got = Math.floor(flat.length / this.stride);
    this.offset += got;
    if (got < this.perCall || this.offset >= this.length) this.done = true;
  }
  result(): string {
    return this.digest.hex();
  }
}

/** XRANGE pages with COUNT, each starting after the last id seen. */
class StreamReader implements DigestReader {
  private readonly digest = new OrderedDigest("stream");
  private start = "-";
  private read = 0;
  private done = false;
  constructor(private readonly key: Buffer, public length: number, private readonly perCall: number, private readonly bytes: number) {
    this.done = length === 0;
  }
  next() {
    return this.done ? null : { cmd: "XRANGE", args: [this.key, this.start, "+", "COUNT", this.perCall], bytes: this.bytes };
  }
  take(reply: unknown): void {
    const page = addStreamEntries(this.digest, reply);
    this.read += page.count;
    if (page.count < this.perCall || page.lastId === null || this.read >= this.length) this.done = true;
    else this.start = `(${page.lastId}`;
  }
  result(): string {
    return this.digest.hex();
  }
}

/** XRANGE reply [[id, [field, value, ...]], ...] into a digest; the last id for paging. */
export function addStreamEntries(digest: OrderedDigest, reply: unknown): { lastId: string | null; count: number } {
  const entries = Array.isArray(reply) ? (reply as unknown[]) : [];
  let lastId: string | null = null;
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError("XRANGE: unexpected entry shape");
    const id = asBuffer(entry[0], "XRANGE id");
    digest.add(id, ...asBuffers(entry[1], "XRANGE fields"));
    lastId = id.toString("latin1");
  }
  return { lastId, count: entries.length };
}

const SCAN_ATTEMPTS = 3;

/**
 * HSCAN/SSCAN with COUNT into an order-independent sum. SCAN returns every element at least once
 * and repeats one only when the table is resized mid-scan; a set of seen elements would cost memory
 * in proportion to the value (hundreds of MB for millions of fields), so instead we count: a full
 * scan that returned exactly HLEN/SCARD elements repeated none. Otherwise the length is measured
 * again and the scan restarted; a value still changing after SCAN_ATTEMPTS is left unread.
 */
class ScanReader implements DigestReader {
  private digest: UnorderedDigest;
  private cursor = "0";
  private returned = 0;
  private attempts = 1;
  private state: "scan" | "measure" | "done" | "failed" = "scan";
  unread?: string;
  constructor(private readonly key: Buffer, private readonly type: "hash" | "set", public length: number, private readonly perCall: number, private readonly stride: number, private readonly bytes: number) {
    this.digest = new UnorderedDigest(type);
  }
  next() {
    if (this.state === "measure") return { cmd: this.type === "hash" ? "HLEN" : "SCARD", args: [this.key], bytes: 16 };
    if (this.state !== "scan") return null;
    return { cmd: this.type === "hash" ? "HSCAN" : "SSCAN", args: [this.key, this.cursor, "COUNT", this.perCall], bytes: this.bytes };
  }
  take(reply: unknown): void {
    if (this.state === "measure") {
      this.length = asNumber(reply, "length");
      this.digest = new UnorderedDigest(this.type);
      this.returned = 0;
      this.state = "scan";
      return;
    }
    const page = asScanReply(reply, "SCAN");
    for (let i = 0; i + this.stride <= page.items.length; i += this.stride) {
      this.digest.add(...page.items.slice(i, i + this.stride));
      this.returned++;
    }
    this.cursor = page.cursor;
    if (this.cursor !== "0") return;
    if (this.returned === this.length) this.state = "done";
    else if (this.attempts++ < SCAN_ATTEMPTS) this.state = "measure";
    else {
      this.state = "failed";
      this.unread = "changed while being read";
    }
  }
  result(): string | null {
    return this.state === "done" ? this.digest.hex() : null;
  }
}
