// The .rsd framing without a server: a file written by DumpWriter reads back record for record,
// and every kind of damage is reported at the byte offset of the record at fault.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { DumpFormatError, MAX_RECORD_BYTES, type DumpHeader, type DumpRecord } from "../../lib/backup/logical/format";
import { readDump } from "../../lib/backup/logical/reader";
import { DumpWriter } from "../../lib/backup/logical/writer";

const HEADER: DumpHeader = {
  format: "replscope-dump", version: 1, source: { node: "127.0.0.1:6380", topology: "main" }, redisVersion: "7.0.15", role: "master",
  replid: "a".repeat(40), offset: 42, filters: { match: null, db: null, type: null }, dbs: [0], startedAt: 1, chunkAboveBytes: 1024,
};

async function sample(): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const w = new DumpWriter(out);
  await w.header(HEADER);
  await w.key(0, Buffer.from([0xff, 0x00]), "string", -1, Buffer.from("payload-1"));
  await w.key(3, Buffer.from("ttl"), "hash", 1_900_000_000_000, Buffer.from("payload-2"));
  await w.beginChunked(0, Buffer.from("big"), "list", -1);
  await w.part([Buffer.from("a"), Buffer.alloc(0), Buffer.from("c")]);
  await w.endChunked(3);
  await w.trailer({ keys: 3, types: { string: 1, hash: 1, list: 1 }, chunked: 1, vanished: 0, replid: "a".repeat(40), offset: 50, finishedAt: 2 });
  return Buffer.concat(chunks);
}

async function readAll(bytes: Buffer, chunk = 3): Promise<DumpRecord[]> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  const out: DumpRecord[] = [];
  for await (const r of readDump(parts)) out.push(r);
  return out;
}

async function failure(bytes: Buffer): Promise<DumpFormatError> {
  try {
    await readAll(bytes);
  } catch (err) {
    assert.ok(err instanceof DumpFormatError, String(err));
    return err;
  }
  assert.fail("the damaged file was read without an error");
}

test("written records read back in order, whatever the chunking of the input", async () => {
  const file = await sample();
  for (const chunk of [1, 7, 4096]) {
    const recs = await readAll(file, chunk);
    assert.deepEqual(recs.map((r) => r.kind), ["header", "key", "key", "chunk-begin", "chunk", "chunk-end", "trailer"]);
    const [h, k1, k2, , part, end, t] = recs;
    assert.equal(h?.kind === "header" && h.header.replid, "a".repeat(40));
    assert.ok(k1?.kind === "key" && k1.name.equals(Buffer.from([0xff, 0x00])) && k1.payload.toString() === "payload-1" && k1.expireAt === -1);
    assert.ok(k2?.kind === "key" && k2.db === 3 && k2.type === "hash" && k2.expireAt === 1_900_000_000_000);
    assert.deepEqual(part?.kind === "chunk" && part.items.map(String), ["a", "", "c"]);
    assert.equal(end?.kind === "chunk-end" && end.elements, 3);
    assert.equal(t?.kind === "trailer" && t.trailer.keys, 3);
  }
});

test("every kind of damage names the offset of the record at fault", async () => {
  const file = await sample();
  const recs = await readAll(file);
  const at = (i: number) => recs[i]!.offset;

  assert.equal((await failure(Buffer.from("PK\x03\x04 not a dump"))).offset, 0);
  const v2 = Buffer.from(file);
  v2[7] = 2;
  assert.match((await failure(v2)).reason, /format version 2 is not supported/);

  const truncated = await failure(file.subarray(0, at(2) + 3));
  assert.deepEqual([truncated.offset, /inside a record header/.test(truncated.reason)], [at(2), true]);
  const noTrailer = await failure(file.subarray(0, at(6)));
  assert.deepEqual([noTrailer.offset, /without its trailer/.test(noTrailer.reason)], [at(6), true]);

  const flipped = Buffer.from(file);
  flipped[at(4) + 9] = flipped[at(4) + 9]! ^ 1;
  const crc = await failure(flipped);
  assert.deepEqual([crc.offset, /CRC32/.test(crc.reason)], [at(4), true]);

  const huge = Buffer.from(file);
  huge.writeUInt32BE(MAX_RECORD_BYTES + 1, at(1) + 1);
  assert.equal((await failure(huge)).offset, at(1));

  const extra = await failure(Buffer.concat([file, Buffer.from("x")]));
  assert.deepEqual([extra.offset, extra.reason], [file.length, "corrupt: bytes after the trailer"]);

  // A whole record removed (its framing intact): the count and sha256 in the trailer catch it.
  const dropped = Buffer.concat([file.subarray(0, at(1)), file.subarray(at(2))]);
  const missing = await failure(dropped);
  assert.equal(missing.offset, at(6) - (at(2) - at(1)));
  assert.match(missing.reason, /sha256/);

  // Records out of order: a key between a chunked key's parts.
  const swapped = Buffer.concat([file.subarray(0, at(3)), file.subarray(at(3), at(4)), file.subarray(at(1), at(2)), file.subarray(at(4))]);
  const order = await failure(swapped);
  assert.equal(order.offset, at(4));
  assert.match(order.reason, /inside the parts of the key begun at byte/);
});

test("the trailer rejects when the stream's final flush fails, so a truncated file is never reported whole", async () => {
  const { Writable } = await import("node:stream");
  const { DumpWriteError } = await import("../../lib/backup/logical/writer");
  const failing = new Writable({
    write: (_c, _e, cb) => cb(),
    final: (cb) => cb(new Error("ENOSPC: no space left on device")),
  });
  const w = new DumpWriter(failing);
  await w.header(HEADER);
  await w.key(0, Buffer.from("k"), "string", -1, Buffer.from("payload"));
  await assert.rejects(
    w.trailer({ keys: 1, types: { string: 1 }, chunked: 0, vanished: 0, replid: "a".repeat(40), offset: 50, finishedAt: 2 }),
    (err: unknown) => err instanceof DumpWriteError && /ENOSPC/.test(err.message),
  );
  // A write that failed earlier (its 'error' already emitted) also makes the trailer reject.
  const early = new Writable({ write: (_c, _e, cb) => cb(new Error("EIO: i/o error")) });
  const w2 = new DumpWriter(early);
  await w2.header(HEADER);
  await w2.flush().catch(() => undefined);
  await assert.rejects(
    w2.trailer({ keys: 0, types: {}, chunked: 0, vanished: 0, replid: "a".repeat(40), offset: 50, finishedAt: 2 }),
    (err: unknown) => err instanceof DumpWriteError && /EIO/.test(err.message),
  );
});
