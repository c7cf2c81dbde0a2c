import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
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

/** Every line of every segment file, oldest segment first, as the disk holds it. */
async function diskLines(dir: string): Promise<{ files: string[]; lines: string[]; endsWithNewline: boolean[] }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".jsonl")).sort();
  const lines: string[] = [];
  const endsWithNewline: boolean[] = [];
  for (const f of files) {
    const text = await readFile(path.join(dir, f), "utf8");
    endsWithNewline.push(text === "" || text.endsWith("\n"));
    lines.push(...text.split("\n").filter((l) => l !== ""));
  }
  return { files, lines, endsWithNewline };
}

describe("timeline store", () => {
  test("append, query, filter, limit and paging; visible before the flush", async (t) => {
    const dir = await tempDir(t);
    const store = await openEventStore(dir, { flushMs: 60_000 });
    t.after(() => store.close());
    const events: TimelineEvent[] = [];
    for (let i = 0; i < 40; i++) {
      const id = store.nextId();
      events.push(ev(id, { node: i % 2 ? "a:6379" : "b:6379", kind: i % 4 === 0 ? "replica:link-down" : "node:up", topology: i < 30 ? "main" : "cache" }));
    }
    store.append(events);
    assert.deepEqual(events.map((e) => e.id), Array.from({ length: 40 }, (_, i) => i + 1));

    // Buffered: queryable at once, on disk only after flush().
    assert.equal(store.query({}).length, 40);
    assert.equal((await diskLines(dir)).lines.length, 0);
    await store.flush();
    assert.equal((await diskLines(dir)).lines.length, 40);

    const ids = (q: Parameters<typeof store.query>[0]) => store.query(q).map((e) => e.id);
    assert.deepEqual(ids({ topology: "main", node: "b:6379", kinds: ["replica:link-down"] }), [1, 5, 9, 13, 17, 21, 25, 29]);
    assert.deepEqual(ids({ topology: "cache", limit: 4 }), [37, 38, 39, 40]);
    assert.deepEqual(ids({ topology: "cache", limit: 4, beforeId: 37 }), [33, 34, 35, 36]);
    assert.deepEqual(ids({ topology: "cache", limit: 4, beforeId: 33 }), [31, 32]);
    assert.deepEqual(ids({ since: ev(10).at, until: ev(12).at }), [10, 11, 12]);
    assert.deepEqual(store.query({ limit: 1 })[0], events[39]);
  });

  test("the flush timer writes a burst without an explicit flush", async (t) => {
    const dir = await tempDir(t);
    const store = await openEventStore(dir, { flushMs: 30 });
    t.after(() => store.close());
    store.append(Array.from({ length: 500 }, () => ev(store.nextId())));
    await waitFor("500 lines on disk", async () => (await diskLines(dir)).lines.length, (n) => n === 500, 5000);
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
    assert.deepEqual(b.query({}).map((e) => e.id), [1, 2, 3]);
    assert.deepEqual(b.query({})[2], ev(3));
    // Ids continue after the highest one on disk (4 was handed out but never stored).
    assert.equal(b.nextId(), 4);
    assert.equal(b.stats().skipped, 0);
  });

  test("one writer per directory; a lock left by a dead process is taken over", async (t) => {
    const dir = await tempDir(t);
    const a = await openEventStore(dir);
    await assert.rejects(openEventStore(dir), /already open/);
    await a.close();
    // A pid that cannot be alive (above the kernel's pid_max) stands in for a crashed owner.
    await writeFile(path.join(dir, "events.lock"), "99999999");
    const b = await openEventStore(dir);
    await b.close();
  });

  test("retention: at least maxEvents kept, at most maxEvents + segmentEvents on disk", async (t) => {
    const dir = await tempDir(t);
    const store = await openEventStore(dir, { maxEvents: 100, segmentEvents: 30 });
    for (let i = 0; i < 1000; i++) {
      store.append([ev(store.nextId())]);
      if (i % 7 === 0) await store.flush();
      if (i >= 100 && i % 50 === 0) {
        await store.flush();
        const n = (await diskLines(dir)).lines.length;
        assert.ok(n >= 100 && n <= 130, `after ${i + 1} appends: ${n} lines on disk`);
      }
    }
    await store.close();
    const disk = await diskLines(dir);
    assert.ok(disk.lines.length >= 100 && disk.lines.length <= 130, `${disk.lines.length} lines on disk`);
    assert.ok(disk.files.every((f, i) => i === 0 || f > disk.files[i - 1]!));
    const stats = store.stats();
    assert.equal(stats.segments, disk.files.length);
    assert.equal(stats.events, 100);

    const again = await openEventStore(dir, { maxEvents: 100, segmentEvents: 30 });
    t.after(() => again.close());
    const all = again.query({ limit: 5000 });
    assert.deepEqual(all.map((e) => e.id), Array.from({ length: 100 }, (_, i) => 901 + i));
    assert.equal(again.nextId(), 1001);
    let bytes = 0;
    for (const f of disk.files) bytes += (await stat(path.join(dir, f))).size;
    assert.equal(again.stats().bytes, bytes);
  });

  test("a torn last line is ignored and cut off; the segment is appendable again", async (t) => {
    const dir = await tempDir(t);
    const a = await openEventStore(dir);
    a.append([ev(a.nextId()), ev(a.nextId())]);
    await a.close();
    const [file] = (await diskLines(dir)).files;
    assert.ok(file);
    const goodSize = (await stat(path.join(dir, file)).then((s) => s.size));
    await appendFile(path.join(dir, file), '{"id":3,"at":1700000003000,"topology":"ma');

    const b = await openEventStore(dir);
    assert.deepEqual(b.query({}).map((e) => e.id), [1, 2]);
    assert.equal(b.stats().skipped, 1);
    assert.equal((await stat(path.join(dir, file))).size, goodSize);
    b.append([ev(b.nextId())]);
    await b.close();

    const disk = await diskLines(dir);
    assert.deepEqual(disk.lines.map((l) => (JSON.parse(l) as TimelineEvent).id), [1, 2, 3]);
    const c = await openEventStore(dir);
    t.after(() => c.close());
    assert.deepEqual(c.query({}), [ev(1), ev(2), ev(3)]);
    assert.equal(c.stats().skipped, 0);
  });

  test("garbage inside older segments is skipped and counted, never loaded, never fatal", async (t) => {
    const dir = await tempDir(t);
    const line = (e: unknown) => `${JSON.stringify(e)}\n`;
    await writeFile(
      path.join(dir, "events-000001.jsonl"),
      [
        line(ev(1)),
        "not json at all\n",
        line({ ...ev(2), id: "2" }), // wrong type
        line({ ...ev(3), kind: "node:exploded" }), // unknown kind
        "\u0000\u0000\u0000\u0000\n", // what a crashed filesystem can leave behind
        line(ev(4)),
        '{"id":5,"at"', // torn tail in a segment that is no longer the newest
      ].join(""),
    );
    // Newest segment whose last complete line is bad: that one line is cut.
    await writeFile(path.join(dir, "events-000002.jsonl"), line(ev(6)) + line(ev(7)) + "{oops}\n");
    await writeFile(path.join(dir, "notes.txt"), "not a segment");

    const store = await openEventStore(dir);
    t.after(() => store.close());
    assert.deepEqual(store.query({}), [ev(1), ev(4), ev(6), ev(7)]);
    assert.equal(store.stats().skipped, 6);
    assert.equal(store.nextId(), 8);
    assert.equal(await readFile(path.join(dir, "events-000002.jsonl"), "utf8"), line(ev(6)) + line(ev(7)));
  });

  test("kill -9 mid-write, three times: everything flushed survives, in order, and writing resumes", async (t) => {
    const dir = await tempDir(t);
    const maxEvents = 3000;
    const segmentEvents = 700;
    const fixture = path.join(__dirname, "fixtures-timeline-writer.ts");
    let lastFlushed = 0;
    for (let round = 1; round <= 3; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", fixture, dir, String(maxEvents), String(segmentEvents)], {
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

      const store = await openEventStore(dir, { maxEvents, segmentEvents });
      const all = store.query({ limit: 5000 });
      const last = all.at(-1)?.id ?? 0;
      assert.equal(all.length, maxEvents, `round ${round}: a full window survives`);
      assert.ok(last >= flushedNow, `round ${round}: last on disk ${last} >= last reported flushed ${flushedNow}`);
      all.forEach((e, i) => assert.deepEqual(e, writerEvent(last - all.length + 1 + i)));
      assert.equal(store.nextId(), last + 1);
      await store.close();

      // On disk: every line whole, in order, within the retention bound, ready for the next writer.
      const disk = await diskLines(dir);
      assert.ok(disk.endsWithNewline.every(Boolean));
      const ids = disk.lines.map((l) => (JSON.parse(l) as TimelineEvent).id);
      assert.ok(ids.length >= maxEvents && ids.length <= maxEvents + segmentEvents, `${ids.length} lines on disk`);
      ids.forEach((id, i) => assert.equal(id, ids[0]! + i));
      lastFlushed = last + 1; // the id handed out by nextId() above
    }
  });
});
