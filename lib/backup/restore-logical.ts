// I/O side of a restore drill of a logical export (.rsd): import the file into an empty sandbox
// with the logical importer (importDump), then read the file a second time and check every key
// against the sandbox, in bounded batches:
// - a key written as one DUMP: its payload is RESTOREd under a scratch name in the sandbox's
//   scratch db, and the compare engine fingerprints (type, length, canonical content digest) of
//   the scratch copy and of the imported key must be equal, and the imported key's expiry must be
//   the file's. Both sides are fingerprints of values in the same server, read the same way, so
//   encodings and dict order cannot make equal values look different (DUMP bytes would);
// - a key written in parts (too large for one DUMP): type and expiry are checked, the content is
//   counted as "compared by type and expiry only";
// - a key absent from the sandbox whose expiry has passed is "expired", not a difference;
// then keys per type by SCAN, and the sandbox must hold no key the file does not account for.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type Redis from "ioredis";
import { displayKey } from "../keys/codec";
import { compareFingerprints, type KeyFingerprint } from "../redis/fingerprint";
import { parseInfo } from "../redis/info";
import { readFingerprints } from "../redis/read-fingerprint";
import { unwrapResults } from "../redis/reply";
import { importDump, type ImportResult } from "./logical/import";
import { readDump } from "./logical/reader";
import { countKeys, finish, type DrillResult } from "./restore-drill";
import { SCRATCH_DB, type SandboxPool } from "./sandbox";
import { emptyTally, tallyKey, verifyLogical, type KeyCheck, type LogicalTally } from "./verify";

/** Keys checked per round (one RESTORE pipeline, two fingerprint reads, one UNLINK). */
const CHECK_BATCH = 500;
/** Bytes of DUMP payloads held per round. */
const CHECK_BYTES = 8 * 1024 * 1024;

export interface LogicalDrillInput {
  /** The .rsd file (in replscope's own export store). */
  file: string;
  timeoutMs?: number;
  extra?: (sandbox: Redis, signal: AbortSignal) => Promise<void>;
}

export interface LogicalDrillResult extends DrillResult {
  import: Pick<ImportResult, "status" | "restored" | "skipped" | "failed" | "expired" | "error" | "errorOffset" | "failures">;
}

/** Thrown when the import itself did not complete: the reader's reason and byte offset. `fromFile`: the file's fault (a record at a byte offset), not the sandbox's. */
export class DrillImportError extends Error {
  constructor(
    message: string,
    readonly fromFile: boolean,
  ) {
    super(message);
  }
}

async function fileStream(file: string): Promise<AsyncIterable<Buffer> & { close(): Promise<void> }> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  const stream = fh.createReadStream({ highWaterMark: 256 * 1024, autoClose: false });
  return Object.assign(stream, { close: () => fh.close() });
}

export async function runLogicalDrill(pool: SandboxPool, input: LogicalDrillInput): Promise<LogicalDrillResult> {
  const started = Date.now();
  return pool.run({ timeoutMs: input.timeoutMs }, async (sb, signal) => {
    const redis = await sb.connect("replscope-restore-drill");
    // Nothing may expire by itself while the drill counts (a key read after its expiry still goes).
    await redis.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
    const src = await fileStream(input.file);
    let imported: ImportResult;
    try {
      imported = await importDump(redis, src, { policy: "stop", signal });
    } finally {
      await src.close();
    }
    if (imported.status !== "done") throw new DrillImportError(`the import did not complete: ${imported.error ?? imported.status}${imported.errorOffset !== null ? ` (record at byte ${imported.errorOffset})` : ""}`, imported.errorOffset !== null);
    const restoreSeconds = (Date.now() - started) / 1000;

    const scratch = await sb.connect("replscope-restore-drill-scratch");
    await scratch.select(SCRATCH_DB);
    const tally = emptyTally();
    const again = await fileStream(input.file);
    try {
      await checkKeys(redis, scratch, again, tally, signal);
    } finally {
      await again.close();
    }
    const expiredBefore = await expiredKeys(redis);
    const counts = await countKeys(redis, signal);
    // Keys that expired (on access) after their check was done are not "extra".
    const expiredAfterCheck = (await expiredKeys(redis)) - expiredBefore;
    const verification = verifyLogical(tally, { ...counts, total: counts.total + expiredAfterCheck });
    if (input.extra) await input.extra(redis, signal);
    const { status, restored, skipped, failed, expired, error, errorOffset, failures } = imported;
    return { ...finish(sb, counts, verification, restoreSeconds, started), import: { status, restored, skipped, failed, expired, error, errorOffset, failures } };
  });
}

/** The export's source as its header records it (node + topology); null when the first record is not a readable header. */
export async function readExportSource(file: string): Promise<{ node: string; topology: string | null } | null> {
  const src = await fileStream(file);
  try {
    for await (const rec of readDump(src)) return rec.kind === "header" ? rec.header.source : null;
    return null;
  } catch {
    return null;
  } finally {
    await src.close();
  }
}

async function expiredKeys(redis: Redis): Promise<number> {
  return Number(parseInfo(await redis.info("stats")).stats?.expired_keys ?? 0);
}

interface Pending {
  db: number;
  name: Buffer;
  type: string;
  expireAt: number;
  /** null: written in parts (no DUMP payload to compare with). */
  payload: Buffer | null;
}

async function checkKeys(redis: Redis, scratch: Redis, source: AsyncIterable<Buffer>, tally: LogicalTally, signal: AbortSignal): Promise<void> {
  let batch: Pending[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length) await checkBatch(redis, scratch, batch, tally);
    batch = [];
    bytes = 0;
  };
  for await (const rec of readDump(source)) {
    if (signal.aborted) throw new Error("the restore drill was stopped");
    if (rec.kind !== "key" && rec.kind !== "chunk-begin") continue;
    if (rec.db >= SCRATCH_DB) throw new Error(`the export holds db ${rec.db}; a sandbox has ${SCRATCH_DB} dbs for data`);
    // One db per round: the data connection sits on it.
    if (batch.length && (batch[0]?.db !== rec.db || batch.length >= CHECK_BATCH || bytes >= CHECK_BYTES)) await flush();
    const payload = rec.kind === "key" ? Buffer.from(rec.payload) : null;
    batch.push({ db: rec.db, name: Buffer.from(rec.name), type: rec.type, expireAt: rec.expireAt, payload });
    bytes += payload?.length ?? 0;
  }
  await flush();
}

async function checkBatch(redis: Redis, scratch: Redis, batch: Pending[], tally: LogicalTally): Promise<void> {
  const db = batch[0]?.db ?? 0;
  const scratchNames = batch.map((_, i) => Buffer.from(`replscope-verify:${i}`));
  const restore = scratch.pipeline();
  batch.forEach((p, i) => {
    if (p.payload) restore.callBuffer("RESTORE", [scratchNames[i] as Buffer, "0", p.payload, "REPLACE"]);
  });
  unwrapResults(await restore.exec(), "RESTORE into the scratch db");
  const withPayload = batch.flatMap((p, i) => (p.payload ? [scratchNames[i] as Buffer] : []));
  const [held, copies] = await Promise.all([readFingerprints(redis, batch.map((p) => p.name), { db }), readFingerprints(scratch, withPayload, { db: SCRATCH_DB })]);
  if (withPayload.length) await scratch.callBuffer("UNLINK", withPayload);
  const now = Date.now();
  let c = 0;
  batch.forEach((p, i) => {
    const expected = p.payload ? (copies[c++] ?? null) : null;
    tallyKey(tally, p.type === "other" ? "other" : p.type, displayKey(p.name), checkOne(p, held[i] ?? null, expected, now));
  });
}

/** The file's entry against the sandbox's key. `copy`: fingerprint of the file's payload restored in the scratch db. */
export function checkOne(p: Pick<Pending, "type" | "expireAt" | "payload">, held: KeyFingerprint | null, copy: KeyFingerprint | null, now: number): KeyCheck {
  if (!held) {
    if (p.expireAt !== -1 && p.expireAt <= now) return { kind: "expired" };
    return { kind: "missing", detail: `a ${p.type} in the file, absent from the sandbox` };
  }
  // Module types are "other" in the file; the sandbox names them.
  if (p.type !== "other" && held.type !== p.type) return { kind: "type", detail: `${p.type} in the file, ${held.type} in the sandbox` };
  if (held.expireAtMs !== p.expireAt) return { kind: "ttl", detail: p.expireAt === -1 ? "no expiry in the file, expires in the sandbox" : held.expireAtMs === -1 ? "expires in the file, no expiry in the sandbox" : `expiry differs by ${held.expireAtMs - p.expireAt} ms` };
  if (!copy) return { kind: "unverified" };
  const diff = compareFingerprints({ ...copy, expireAtMs: p.expireAt }, held, 0);
  if (diff) return { kind: diff.kind === "type" ? "type" : "value", detail: diff.detail.replace(/ on master/g, " in the file").replace(/ on replica/g, " in the sandbox") };
  return held.digest === null || copy.digest === null ? { kind: "unverified" } : { kind: "same" };
}
