// The replscope logical dump format (.rsd), version 1: constants, types and the pure encoders.
// Byte layout and rules: lib/backup/logical/FORMAT.md. Reader: ./reader.ts (readDump).
// Writer: ./writer.ts (DumpWriter).
//
// STABLE API (used by restore drills): KEY_TYPES, DumpHeader, DumpTrailer, DumpRecord,
// DumpFormatError, MAGIC, FORMAT_VERSION. Add fields freely; do not rename or remove.
import { crc32 } from "node:zlib";

/** "RSDUMP" NUL, then the version byte. */
export const MAGIC = Buffer.from("RSDUMP\0", "latin1");
export const FORMAT_VERSION = 1;
/** Magic plus version byte. */
export const PREAMBLE_BYTES = MAGIC.length + 1;
/** kind u8 + payload length u32. */
export const RECORD_HEAD_BYTES = 5;
/** CRC32 u32 after the payload. */
export const RECORD_TAIL_BYTES = 4;
/** No record's payload is larger: a reader never holds more than this of a file. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export const RECORD = {
  header: 0x48, // 'H' JSON DumpHeader
  key: 0x4b, // 'K' one key as a DUMP payload
  chunkBegin: 0x42, // 'B' a key written in parts
  chunk: 0x50, // 'P' one part of it
  chunkEnd: 0x45, // 'E' its end
  trailer: 0x54, // 'T' JSON DumpTrailer
} as const;

/** Type codes in key and chunk-begin records; 0 is a module type (DUMP form only). */
export const KEY_TYPES = ["other", "string", "list", "set", "zset", "hash", "stream"] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export function typeCode(type: string): number {
  const i = (KEY_TYPES as readonly string[]).indexOf(type);
  return i < 0 ? 0 : i;
}

export interface DumpHeader {
  format: "replscope-dump";
  version: number;
  source: { node: string; topology: string | null };
  redisVersion: string;
  role: string;
  /** master_replid and master_repl_offset read before the first SCAN. */
  replid: string;
  offset: number;
  filters: { match: string | null; db: number | null; type: string | null };
  /** The dbs exported, in file order. */
  dbs: number[];
  startedAt: number;
  /** Values whose size (STRLEN or MEMORY USAGE) is above this were written in parts. */
  chunkAboveBytes: number;
}

export interface DumpTrailer {
  keys: number;
  /** Keys per type name (module types count as "other"). */
  types: Record<string, number>;
  /** Of `keys`, written in parts. */
  chunked: number;
  /** Keys SCAN returned that were gone (or changed to a filtered-out type) before they were read. */
  vanished: number;
  /** master_replid and master_repl_offset read after the last key. */
  replid: string;
  offset: number;
  finishedAt: number;
  /** sha256 (hex) of every byte of the file before the trailer record. */
  sha256: string;
  /** Module-type values not written (DUMP of them would be over chunkAboveBytes). Absent in older files. */
  omitted?: number;
  /** What the file leaves out and why (first MAX_NOTES): omitted values, consumer lists not read. */
  notes?: string[];
}

/** How many notes a trailer lists (the counts stay exact). */
export const MAX_NOTES = 100;

interface KeyMeta {
  db: number;
  name: Buffer;
  type: KeyType;
  /** Absolute expiry, ms since the epoch (PEXPIRETIME); -1: none. */
  expireAt: number;
}

/** One record as the reader gives it, with the byte offset where its record starts. */
export type DumpRecord =
  | { kind: "header"; offset: number; header: DumpHeader }
  | ({ kind: "key"; offset: number; payload: Buffer } & KeyMeta)
  | ({ kind: "chunk-begin"; offset: number } & KeyMeta)
  | { kind: "chunk"; offset: number; items: Buffer[] }
  | { kind: "chunk-end"; offset: number; elements: number }
  | { kind: "trailer"; offset: number; trailer: DumpTrailer };

/** A file that is not a whole, intact dump: where (byte offset of the bad record) and why. */
export class DumpFormatError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${reason} (at byte ${offset})`);
    this.name = "DumpFormatError";
  }
}

export function preamble(): Buffer {
  return Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION])]);
}

/** kind, length, payload, CRC32 of those three. */
export function frame(kind: number, payload: Buffer): Buffer {
  if (payload.length > MAX_RECORD_BYTES) throw new Error(`record of ${payload.length} bytes is over the ${MAX_RECORD_BYTES} limit`);
  const out = Buffer.allocUnsafe(RECORD_HEAD_BYTES + payload.length + RECORD_TAIL_BYTES);
  out.writeUInt8(kind, 0);
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, RECORD_HEAD_BYTES);
  out.writeUInt32BE(crc32(out.subarray(0, RECORD_HEAD_BYTES + payload.length)), RECORD_HEAD_BYTES + payload.length);
  return out;
}

/** db u16, type u8, expireAt i64, name length u32, name. */
export function keyMeta(m: KeyMeta): Buffer {
  const head = Buffer.allocUnsafe(15);
  head.writeUInt16BE(m.db, 0);
  head.writeUInt8(typeCode(m.type), 2);
  head.writeBigInt64BE(BigInt(m.expireAt), 3);
  head.writeUInt32BE(m.name.length, 11);
  return Buffer.concat([head, m.name]);
}

export function keyRecord(m: KeyMeta, payload: Buffer): Buffer {
  return frame(RECORD.key, Buffer.concat([keyMeta(m), payload]));
}

/** count u32, then each item as length u32 + bytes. */
export function chunkRecord(items: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.allocUnsafe(4);
  count.writeUInt32BE(items.length, 0);
  parts.push(count);
  for (const it of items) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(it.length, 0);
    parts.push(len, it);
  }
  return frame(RECORD.chunk, Buffer.concat(parts));
}

export function chunkEndRecord(elements: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(elements), 0);
  return frame(RECORD.chunkEnd, b);
}

/** Parses a key/chunk-begin payload's meta; returns it and where the rest (DUMP payload) starts. */
export function parseKeyMeta(p: Buffer): { meta: KeyMeta; end: number } | string {
  if (p.length < 15) return "key record too short";
  const code = p.readUInt8(2);
  const type = KEY_TYPES[code];
  if (type === undefined) return `unknown type code ${code}`;
  const nameLen = p.readUInt32BE(11);
  if (15 + nameLen > p.length) return "key name runs past the record";
  const expireAt = Number(p.readBigInt64BE(3));
  return { meta: { db: p.readUInt16BE(0), type, expireAt, name: p.subarray(15, 15 + nameLen) }, end: 15 + nameLen };
}

export function parseChunkItems(p: Buffer): Buffer[] | string {
  if (p.length < 4) return "part record too short";
  const n = p.readUInt32BE(0);
  const items: Buffer[] = [];
  let at = 4;
  for (let i = 0; i < n; i++) {
    if (at + 4 > p.length) return "part item runs past the record";
    const len = p.readUInt32BE(at);
    at += 4;
    if (at + len > p.length) return "part item runs past the record";
    items.push(p.subarray(at, at + len));
    at += len;
  }
  if (at !== p.length) return "part record has bytes after its items";
  return items;
}

/** Stream parts start with one of these tags (other types' parts carry only elements). */
export const STREAM_PART = {
  /** id, field count, field, value, ... repeated */
  entries: "entries",
  /** last-generated-id, entries-added, max-deleted-entry-id */
  meta: "meta",
  /** name, last-delivered-id, entries-read (or "" when unknown) */
  group: "group",
  /** group, consumer name: repeated pairs */
  consumers: "consumers",
  /** group, then id, consumer, delivery time ms, delivery count: repeated */
  pending: "pending",
} as const;
