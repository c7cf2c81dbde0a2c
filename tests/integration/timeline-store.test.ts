import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import Database from "better-sqlite3";
import os from "node:os";
import path from "node:path";
import type { TimelineEvent } from "../../lib/timeline/types";
import { openEventStore } from "../../lib/timeline/store";
import { waitFor } from "../support/wait";
import { writerEvent } from "./fixtures-timeline-writer";

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "replscope-timeline-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const ev = (id: number, over: Partial<TimelineEvent> = {}): TimelineEvent => ({
  id,
  at: 1_700_000_000_000 + id * 1000,
  topology: "main",
  kind: "node:up",
  node: "10.0.0.1:6379",
  severity: "info",
  text: `event ${id}`,
  ...over,
});

/** Events committed to the database file, read by a separate connection (not through the store). */
function rowsOnDisk(dir: string): number[] {
  const db = new Database(path.join(dir, "replscope.db"), { readonly: true });
  try {
    return (db.prepare("select id from events order by id").all() as { id: number }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

describe("timeline store", () => {
  test("append, query, filter, limit and paging; a query reads the writes still queued", async (t) => {
    const dir = await tempDir(t);
    const store = await openEventStore(dir, { flushMs: 100 });
    t.after(() => store.close());
    const events: TimelineEvent[] = [];
    for (let i = 0; i < 40; i++) {
      const id = store.nextId();
      events.push(ev(id, { node: i % 2 ? "a:6379" : "b:6379", kind: i % 4 === 0 ? "replica:link-down" : "node:up", topology: i < 30 ? "main" : "cache" }));
    }
    store.append(events);
    assert.deepEqual(events.map((e) => e.id), Array.from({ length: 40 }, (_, i) => i + 1));

    // Queued (append returns at once); a query commits the queue first, then reads.
    assert.equal(rowsOnDisk(dir).length, 0);
    assert.equal((await store.query({})).length, 40);
    assert.equal(rowsOnDisk(dir).length, 40);

    const ids = async (q: Parameters<typeof store.query>[0]) => (await store.query(q)).map((e) => e.id);
    assert.deepEqual(await ids({ topology: "main", node: "b:6379", kinds: ["replica:link-down"] }), [1, 5, 9, 13, 17, 21, 25, 29]);
    assert.deepEqual(await ids({ topology: "cache", limit: 4 }), [37, 38, 39, 40]);
    assert.deepEqual(await ids({ topology: "cache", limit: 4, beforeId: 37 }), [33, 34, 35, 36]);
    assert.deepEqual(await ids({ topology: "cache", limit: 4, beforeId: 33 }), [31, 32]);
    assert.deepEqual(await ids({ since: ev(10).at, until: ev(12).at }), [10, 11, 12]);
    assert.deepEqual((await store.query({ limit: 1 }))[0], events[39]);
  });

  test("the flush timer writes a burst without an explicit flush", async (t) => {
    const dir = await tempDir(t);
    const store = await openEventStore(dir, { flushMs: 30 });
    t.after(() => store.close());
    store.append(Array.from({ length: 500 }, () => ev(store.nextId())));
    await waitFor("500 rows on disk", () => rowsOnDisk(dir).length, (n) => n === 500, 5000);
  });

  test("restart keeps events, ids continue, invalid appends are refused", async (t) => {
    const dir = await tempDir(t);
    const a = await openEventStore(dir);
    a.append([ev(a.nextId()), ev(a.nextId()), ev(a.nextId())]);
    a.append([ev(a.nextId(), { at: Number.NaN })]); // would not survive a reload: refused up front
    assert.equal(a.stats().skipped, 1);
    await a.close();
    assert.throws(() => a.append([ev(99)]), /closed/);

    const b = await openEventStore(dir);
    t.after(() => b.close());
    assert.deepEqual((await b.query({})).map((e) => e.id), [1, 2, 3]);
    assert.deepEqual((await b.query({}))[2], ev(3));
    // Ids continue after the highest one on disk (4 was handed out but never stored).
    assert.equal(b.nextId(), 4);
    assert.equal(b.stats().skipped, 0);
  });

  test("kill -9 mid-write, three times: everything flushed survives, in order, and writing resumes", async (t) => {
    const dir = await tempDir(t);
    const maxEvents = 3000;
    const fixture = path.join(__dirname, "fixtures-timeline-writer.ts");
    let lastFlushed = 0;
    for (let round = 1; round <= 3; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", fixture, dir], {
        env: { ...process.env, REPLSCOPE_TIMELINE_WRITER: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once("exit", (code, sig) => resolve(sig ?? code)));
      let stderr = "";
      child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
      let buffered = "";
      let flushedNow = 0;
      const target = lastFlushed + 4000;
      const killedAt = new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (b: Buffer) => {
          buffered += b.toString();
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          for (const l of lines) flushedNow = Math.max(flushedNow, Number(l.split(" ")[1]));
          if (flushedNow >= target && child.exitCode === null && !child.killed) {
            child.kill("SIGKILL");
            resolve();
          }
        });
        setTimeout(() => reject(new Error(`writer stuck at ${flushedNow}: ${stderr}`)), 30_000).unref();
      });
      await killedAt;
      assert.equal(await exited, "SIGKILL", stderr);
      assert.ok(flushedNow > lastFlushed, "the writer made progress");

      const store = await openEventStore(dir, { maxEvents });
      const all = await store.query({ limit: maxEvents });
      const last = all.at(-1)?.id ?? 0;
      assert.equal(all.length, maxEvents, `round ${round}: a full window survives`);
      assert.ok(last >= flushedNow, `round ${round}: last on disk ${last} >= last reported flushed ${flushedNow}`);
      all.forEach((e, i) => assert.deepEqual(e, writerEvent(last - all.length + 1 + i)));
      assert.equal(store.nextId(), last + 1);
      await store.close();

      // On disk: every row whole and in order, nothing after a gap (one transaction per flush).
      const ids = rowsOnDisk(dir);
      ids.forEach((id, i) => assert.equal(id, ids[0]! + i));
      lastFlushed = last + 1; // the id handed out by nextId() above
    }
  });
});
