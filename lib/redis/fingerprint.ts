// Key fingerprints for master/replica divergence checks, and the pure comparison of two of them.
//
// Why not a digest of DUMP: DUMP serialises the *encoding*, not the value. Verified on 7.0.15:
//  - a hash/set in hashtable encoding dumps in dict iteration order, and dict hashing is seeded
//    per process (siphash), so the same 200-member set dumps differently on two servers;
//  - the same 5-field hash dumps differently as listpack vs hashtable, and a replica that loaded
//    an RDB re-picks compact encodings, so master and replica legitimately disagree;
//  - quicklist node boundaries, list-compress-depth and rdbcompression also leak into DUMP.
// DEBUG DIGEST-VALUE is encoding independent but disabled by default (enable-debug-command no)
// and blocks for O(N). So we digest a canonical per-type serialisation we read ourselves:
// ordered types (string, list, zset by rank, stream) hash their elements in order; unordered
// types (hash, set) sum per-element hashes mod 2^256, which is independent of SCAN order.
import { createHash, hash } from "node:crypto";

export interface KeyFingerprint {
  type: string;
  /** STRLEN / LLEN / HLEN / SCARD / ZCARD / XLEN (0 for module types). */
  length: number;
  /** Canonical content digest; null when the value was over the read budget (not compared). */
  digest: string | null;
  /** Why digest is null, for operators ("2,000,000 elements, over the 10,000 read limit"). */
  unread?: string;
  /** Absolute expiry in unix ms (PEXPIRETIME, replicated as an absolute time); -1 = none. */
  expireAtMs: number;
}

export type DifferenceKind = "missing-on-replica" | "only-on-replica" | "type" | "value" | "ttl";

/** What a viewer who may not see values learns about a difference: its kind, nothing derived from a value. */
export const HIDDEN_DIFFERENCE_DETAIL: Record<DifferenceKind, string> = {
  "missing-on-replica": "exists on the master only",
  "only-on-replica": "exists on the replica only",
  type: "different type",
  value: "different value",
  ttl: "different expiry",
};

export interface KeyDifference {
  kind: DifferenceKind;
  /** Operator-facing one-liner, e.g. "length 10 on master, 12 on replica". */
  detail: string;
}

/** First difference that matters, in order: existence, type, value, TTL. */
export function compareFingerprints(
  master: KeyFingerprint | null,
  replica: KeyFingerprint | null,
  ttlToleranceMs: number,
): KeyDifference | null {
  if (!master && !replica) return null;
  if (!replica) return { kind: "missing-on-replica", detail: `${master?.type} exists on master only` };
  if (!master) return { kind: "only-on-replica", detail: `${replica.type} exists on replica only` };
  if (master.type !== replica.type) {
    return { kind: "type", detail: `${master.type} on master, ${replica.type} on replica` };
  }
  if (master.length !== replica.length) {
    return { kind: "value", detail: `length ${master.length} on master, ${replica.length} on replica` };
  }
  if (master.digest !== null && replica.digest !== null && master.digest !== replica.digest) {
    return { kind: "value", detail: `same length (${master.length}), different content` };
  }
  return compareExpiry(master.expireAtMs, replica.expireAtMs, ttlToleranceMs);
}

function compareExpiry(master: number, replica: number, toleranceMs: number): KeyDifference | null {
  if (master === -1 && replica === -1) return null;
  if (master === -1) return { kind: "ttl", detail: "no expiry on master, expires on replica" };
  if (replica === -1) return { kind: "ttl", detail: "expires on master, no expiry on replica" };
  const delta = replica - master;
  if (Math.abs(delta) <= toleranceMs) return null;
  return { kind: "ttl", detail: `replica expires ${delta > 0 ? "later" : "earlier"} by ${Math.abs(delta)} ms` };
}

/** Length-prefixed framing, so ["ab","c"] and ["a","bc"] never hash the same. */
function frame(parts: readonly Buffer[]): Buffer {
  const out: Buffer[] = [u32(parts.length)];
  for (const p of parts) out.push(u32(p.length), p);
  return Buffer.concat(out);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Digest of elements whose order is part of the value (list, zset by rank, stream, string). */
export class OrderedDigest {
  private readonly hash = createHash("sha256");
  private count = 0;
  constructor(type: string) {
    this.hash.update(`ordered:${type}\0`);
  }
  add(...parts: Buffer[]): void {
    this.hash.update(frame(parts));
    this.count++;
  }
  /** Starts a one-part element whose bytes then arrive in chunks via more(): equals add(whole). */
  begin(byteLength: number): void {
    this.hash.update(u32(1));
    this.hash.update(u32(byteLength));
    this.count++;
  }
  more(chunk: Buffer): void {
    this.hash.update(chunk);
  }
  hex(): string {
    return this.hash.update(`\0${this.count}`).digest("hex");
  }
}

/** Digest of a set of elements (hash fields, set members): add() order does not matter. */
export class UnorderedDigest {
  /** The sum of element hashes mod 2^256, as eight 32-bit words, least significant first. */
  private readonly sum = new Uint32Array(8);
  private count = 0;
  constructor(private readonly type: string) {}
  /** Callers must not add an element twice (dedupe SCAN output first): a sum counts repeats. */
  add(...parts: Buffer[]): void {
    // Millions of elements per value: word arithmetic instead of a BigInt per element.
    const h = hash("sha256", frame(parts), "buffer");
    let carry = 0;
    for (let w = 0; w < 8; w++) {
      const v = (this.sum[w] ?? 0) + h.readUInt32BE(28 - 4 * w) + carry;
      this.sum[w] = v >>> 0;
      carry = v > 0xffffffff ? 1 : 0;
    }
    this.count++;
  }
  hex(): string {
    const words = Array.from(this.sum).reverse().map((w) => w.toString(16).padStart(8, "0")).join("");
    return createHash("sha256").update(`unordered:${this.type}\0${this.count}\0${BigInt(`0x${words}`).toString(16)}`).digest("hex");
  }
}

export const ORDERED_TYPES = new Set(["string", "list", "zset", "stream"]);
export const UNORDERED_TYPES = new Set(["hash", "set"]);

/** Digest of a fully read value given as flat replies (HGETALL, LRANGE, ZRANGE WITHSCORES...). */
export function digestFlat(type: string, flat: readonly Buffer[], stride: number): string {
  const d = UNORDERED_TYPES.has(type) ? new UnorderedDigest(type) : new OrderedDigest(type);
  for (let i = 0; i + stride <= flat.length; i += stride) d.add(...flat.slice(i, i + stride));
  return d.hex();
}
