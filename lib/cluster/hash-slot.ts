// The key → slot hash Redis Cluster uses (CRC16-XMODEM of the key, or of its first non-empty {hash
// tag}, mod 16384), and a hash tag that lands in a chosen slot. Pure.
import { SLOT_COUNT } from "./parse";

function crc16(buf: Buffer): number {
  let crc = 0;
  for (const byte of buf) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The slot of a key, hash tags included (the same answer as CLUSTER KEYSLOT). */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  const close = open === -1 ? -1 : key.indexOf("}", open + 1);
  const hashed = open !== -1 && close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed, "utf8")) % SLOT_COUNT;
}

/**
 * A hash tag whose keys land in `slot` ("{t123}"), found by trying tags in order. Every slot is hit
 * well within the bound (a few hundred thousand short CRCs at worst: milliseconds).
 */
export function tagForSlot(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new Error(`not a slot: ${slot}`);
  for (let i = 0; i < 2_000_000; i++) {
    const tag = `{t${i}}`;
    if (keySlot(tag) === slot) return tag;
  }
  throw new Error(`no tag found for slot ${slot}`);
}
