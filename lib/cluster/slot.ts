// Key → hash slot, as Redis Cluster computes it (src/cluster.c keyHashSlot): CRC16-XMODEM of the
// key's bytes modulo 16384, except that when the key holds a "{" followed later by a "}" with at
// least one byte between them, only the bytes between the FIRST "{" and the first "}" after it are
// hashed. "{}" (empty tag) means the whole key is hashed; "{{a}}" hashes "{a". Pure and binary-safe:
// callers pass the key's bytes (a Buffer), or a string taken as UTF-8.
import { SLOT_COUNT } from "./parse";

const OPEN = 0x7b; // "{"
const CLOSE = 0x7d; // "}"

/** CRC16 table for polynomial 0x1021 (XMODEM), built once at import (256 numbers). */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[n] = crc;
  }
  return t;
})();

/** CRC16-XMODEM over bytes [from, to) of `buf`. */
export function crc16(buf: Uint8Array, from = 0, to = buf.length): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ (buf[i] as number)) & 0xff] as number);
  return crc;
}

/** The bytes [from, to) that decide the slot: the hash tag when there is a non-empty one, else the whole key. */
export function hashTagRange(buf: Uint8Array): [number, number] {
  const open = buf.indexOf(OPEN);
  if (open === -1) return [0, buf.length];
  const close = buf.indexOf(CLOSE, open + 1);
  if (close === -1 || close === open + 1) return [0, buf.length];
  return [open + 1, close];
}

/** The hash slot (0..16383) of a key. */
export function keySlot(key: Uint8Array | string): number {
  const buf = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  const [from, to] = hashTagRange(buf);
  return crc16(buf, from, to) % SLOT_COUNT;
}

/**
 * A hash tag whose keys land in `slot` ("{t123}"), found by trying tags in order. Every slot is hit
 * well within the bound (a few hundred thousand short CRCs at worst: milliseconds).
 */
export function tagForSlot(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= 16384) throw new Error(`not a slot: ${slot}`);
  for (let i = 0; i < 2_000_000; i++) {
    const tag = `{t${i}}`;
    if (keySlot(tag) === slot) return tag;
  }
  throw new Error(`no tag found for slot ${slot}`);
}
