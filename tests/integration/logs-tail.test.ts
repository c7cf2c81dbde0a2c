import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { createClassifier, type ReplEvent } from "@/lib/logs/classify";
import { parseLogLine } from "@/lib/logs/parse";
import { lineCutMarker } from "@/lib/logs/line-splitter";
import { tailFile, type StopTail, type TailOptions, type TailState } from "@/lib/logs/tail";
import { redisServerBinary, startRedis, stopAll, type LocalRedis } from "@/lib/redis/local-server";
import { waitFor as waitForValue } from "../support/wait";

const root = mkdtempSync(path.join(tmpdir(), "replscope-logs-tail-"));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const tempPath = (name = "app.log") => path.join(mkdtempSync(path.join(root, `t${seq++}-`)), name);

interface Tail {
  lines: string[];
  states: TailState[];
  errors: Error[];
  stop: StopTail;
}

function follow(file: string, opts: Partial<TailOptions> = {}): Tail {
  const t: Omit<Tail, "stop"> = { lines: [], states: [], errors: [] };
  const stop = tailFile(file, {
    fromLastLines: 0,
    pollMs: 50,
    retryMs: 100,
    onLines: (ls) => t.lines.push(...ls),
    onState: (s) => t.states.push(s),
    onError: (e) => t.errors.push(e),
    ...opts,
  });
  return { ...t, stop };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  await waitForValue(what, cond, (ok) => ok, timeoutMs, 10);
}

const END = "end-of-test-marker";

/**
 * Appends one last line and waits for it: the tail reads in order, so a line lost, repeated or
 * re-read from an earlier file would show before it ("nothing more came" without a fixed sleep).
 */
async function endMarker(file: string, lines: string[]): Promise<void> {
  appendFileSync(file, `${END}\n`);
  await waitFor("the end marker line", () => lines.at(-1) === END);
}

const numbered = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
const text = (lines: string[]) => lines.map((l) => `${l}\n`).join("");

describe("tailFile", () => {
  it("starts from the last N lines of a file spanning several read chunks, then follows appends", async () => {
    const file = tempPath();
    const existing = numbered("existing line with some padding to make it longer ", 1, 3000); // ~170 KiB
    writeFileSync(file, text(existing));
    const t = follow(file, { fromLastLines: 10 });
    try {
      await waitFor("last 10 lines", () => t.lines.length >= 10);
      assert.deepEqual(t.lines, existing.slice(-10));
      appendFileSync(file, "new-1\nnew-");
      appendFileSync(file, "2 written in two parts\n");
      appendFileSync(file, text(numbered("new-", 3, 5)));
      await waitFor("appended lines", () => t.lines.length >= 15);
      assert.deepEqual(t.lines.slice(10), ["new-1", "new-2 written in two parts", "new-3", "new-4", "new-5"]);
      assert.deepEqual(t.states, [{ status: "readable", path: file }]);
    } finally {
      await t.stop();
    }
  });

  it("starts at the end with fromLastLines 0 and skips an unfinished last line", async () => {
    const file = tempPath();
    writeFileSync(file, "old\nunfinished");
    const t = follow(file, { fromLastLines: 0 });
    try {
      await waitFor("readable", () => t.states.length > 0);
      appendFileSync(file, " line\nfresh\n");
      await waitFor("fresh line", () => t.lines.length >= 1);
      assert.deepEqual(t.lines, ["fresh"]);
    } finally {
      await t.stop();
    }
  });

  it("restarts from the top after truncation without losing or repeating lines", async () => {
    const file = tempPath();
    writeFileSync(file, "");
    const t = follow(file);
    try {
      await waitFor("readable", () => t.states.length > 0);
      appendFileSync(file, text(numbered("before-", 1, 50)));
      await waitFor("lines before truncation", () => t.lines.length >= 50);
      truncateSync(file, 0);
      appendFileSync(file, text(numbered("after-", 1, 3)));
      await waitFor("lines after truncation", () => t.lines.length >= 53);
      await endMarker(file, t.lines);
      assert.deepEqual(t.lines, [...numbered("before-", 1, 50), ...numbered("after-", 1, 3), END]);
    } finally {
      await t.stop();
    }
  });

  it("finishes the rotated file, then reads the new one from the top", async () => {
    const file = tempPath();
    writeFileSync(file, "");
    const t = follow(file);
    try {
      await waitFor("readable", () => t.states.length > 0);
      appendFileSync(file, text(numbered("old-", 1, 3)));
      await waitFor("old lines", () => t.lines.length >= 3);
      appendFileSync(file, "old-unfinished");
      renameSync(file, `${file}.1`);
      appendFileSync(`${file}.1`, "\nold-written-after-rename\n");
      writeFileSync(file, text(numbered("new-", 1, 2)));
      await waitFor("new lines", () => t.lines.length >= 7);
      appendFileSync(file, "new-3\n");
      await waitFor("appended to new file", () => t.lines.length >= 8);
      await endMarker(file, t.lines);
      assert.deepEqual(t.lines, [...numbered("old-", 1, 3), "old-unfinished", "old-written-after-rename", ...numbered("new-", 1, 3), END]);
    } finally {
      await t.stop();
    }
  });

  it("loses and repeats nothing while a busy writer rotates the file", async () => {
    const file = tempPath();
    writeFileSync(file, "");
    const t = follow(file);
    const written: string[] = [];
    try {
      await waitFor("readable", () => t.states.length > 0);
      for (let batch = 0; batch < 40; batch++) {
        const lines = numbered(`b${batch}-`, 1, 500);
        appendFileSync(file, text(lines));
        written.push(...lines);
        if (batch % 10 === 9) {
          renameSync(file, `${file}.${batch}`);
          writeFileSync(file, "");
        }
        await new Promise((r) => setTimeout(r, batch % 3));
      }
      await waitForValue("every line", () => t.lines.length, (n) => n >= written.length, 10_000, 10);
      await endMarker(file, t.lines);
      assert.equal(t.lines.length, written.length + 1);
      assert.deepEqual(t.lines, [...written, END]);
    } finally {
      await t.stop();
    }
  });

  it("cuts an over-long line and carries on with the next", async () => {
    const file = tempPath();
    writeFileSync(file, "");
    const t = follow(file, { maxLineBytes: 64 * 1024 });
    try {
      await waitFor("readable", () => t.states.length > 0);
      appendFileSync(file, `${"x".repeat(200 * 1024)}\nafter\n`);
      await waitFor("two lines", () => t.lines.length >= 2);
      assert.equal(t.lines[0], "x".repeat(64 * 1024) + lineCutMarker(64 * 1024));
      assert.equal(t.lines[1], "after");
    } finally {
      await t.stop();
    }
  });

  it("reports a missing file, then reads all of it once it appears", async () => {
    const file = tempPath();
    const t = follow(file, { fromLastLines: 1 });
    try {
      await waitFor("unreadable state", () => t.states.length > 0);
      assert.deepEqual(t.states[0], { status: "unreadable", path: file, code: "ENOENT", reason: `${file} does not exist (yet)` });
      writeFileSync(file, text(["first", "second", "third"]));
      await waitFor("lines of the new file", () => t.lines.length >= 3);
      // The file is new to us, so fromLastLines doesn't apply: nothing in it was seen before.
      assert.deepEqual(t.lines, ["first", "second", "third"]);
      assert.deepEqual(t.states.at(-1), { status: "readable", path: file });
    } finally {
      await t.stop();
    }
  });

  it("reports a missing directory and recovers when it is created", async () => {
    const dir = path.join(root, `later-${seq++}`);
    const file = path.join(dir, "redis.log");
    const t = follow(file);
    try {
      await waitFor("unreadable state", () => t.states.length > 0);
      assert.equal(t.states[0]?.status === "unreadable" && t.states[0].code, "ENOENT");
      mkdirSync(dir);
      writeFileSync(file, "hello\n");
      await waitFor("line", () => t.lines.length >= 1);
      assert.deepEqual(t.lines, ["hello"]);
    } finally {
      await t.stop();
    }
  });

  it("explains why a directory can't be tailed", async () => {
    const dir = path.dirname(tempPath());
    const t = follow(dir);
    try {
      await waitFor("unreadable state", () => t.states.length > 0);
      assert.deepEqual(t.states, [{ status: "unreadable", path: dir, code: "EISDIR", reason: `${dir} is a directory, not a log file` }]);
      assert.deepEqual(t.errors, []);
    } finally {
      await t.stop();
    }
  });

  it("reports a deleted file after a grace period and picks up its replacement", async () => {
    const file = tempPath();
    writeFileSync(file, "");
    const t = follow(file);
    try {
      await waitFor("readable", () => t.states.length > 0);
      appendFileSync(file, "before delete\n");
      await waitFor("line", () => t.lines.length >= 1);
      unlinkSync(file);
      await waitFor("unreadable", () => t.states.at(-1)?.status === "unreadable", 3000);
      writeFileSync(file, "recreated\n");
      await waitFor("line from the new file", () => t.lines.length >= 2);
      assert.deepEqual(t.lines, ["before delete", "recreated"]);
      assert.deepEqual(t.states.map((s) => s.status), ["readable", "unreadable", "readable"]);
    } finally {
      await t.stop();
    }
  });

  it("calls nothing after stop resolves", async () => {
    const file = tempPath();
    writeFileSync(file, "");
    const t = follow(file);
    await waitFor("readable", () => t.states.length > 0);
    await t.stop();
    appendFileSync(file, "too late\n");
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(t.lines, []);
  });
});

describe("tailFile on a real redis-server log", () => {
  it("sees the full resync from both sides when a replica attaches", { skip: !redisServerBinary() && "redis-server not on PATH" }, async () => {
    const fast = ["--repl-diskless-sync-delay", "0"];
    const servers: LocalRedis[] = [];
    const tails: StopTail[] = [];
    const watch = (file: string) => {
      const classify = createClassifier();
      const seen: ReplEvent[] = [];
      tails.push(
        tailFile(file, {
          fromLastLines: 1000,
          pollMs: 50,
          retryMs: 100,
          onLines: (lines) => {
            for (const line of lines) {
              const ev = classify(parseLogLine(line));
              if (ev) seen.push(ev);
            }
          },
        }),
      );
      return seen;
    };
    try {
      const master = await startRedis({ args: fast });
      servers.push(master);
      const masterEvents = watch(master.logFile);
      // Tail the replica's log before it exists, so the test also covers a file that appears later.
      const replicaDir = mkdtempSync(path.join(tmpdir(), "replscope-logs-replica-"));
      const replicaEvents = watch(path.join(replicaDir, "redis.log"));
      const replica = await startRedis({ dir: replicaDir, replicaOf: { host: master.host, port: master.port }, args: fast });
      servers.push(replica);

      const has = (evs: ReplEvent[], pred: (e: ReplEvent) => boolean) => evs.some(pred);
      await waitFor("master-side full resync", () =>
        has(masterEvents, (e) => e.kind === "replica-synced" && e.replica === replica.id),
      10_000);
      await waitFor("replica-side full resync", () => has(replicaEvents, (e) => e.kind === "sync-done"), 10_000);

      const refusal = masterEvents.find((e) => e.kind === "partial-resync-refused");
      assert.equal(refusal?.kind === "partial-resync-refused" && refusal.reason, "new-replica");
      assert.equal(refusal?.kind === "partial-resync-refused" && refusal.replica, replica.id);
      assert.ok(has(masterEvents, (e) => e.kind === "bgsave-for-sync" && e.target === "sockets"));
      assert.ok(!has(masterEvents, (e) => e.kind === "diskless-delay"), "delay 0 starts the transfer at once");

      const kinds = replicaEvents.map((e) => e.kind);
      for (const kind of ["master-connecting", "master-connected", "psync-attempt", "full-resync-accepted", "loading", "sync-done"] as const) {
        assert.ok(kinds.includes(kind), `replica log shows ${kind}: ${kinds.join(", ")}`);
      }
      const full = replicaEvents.find((e) => e.kind === "full-resync-accepted");
      assert.match(full?.kind === "full-resync-accepted" ? full.replid : "", /^[0-9a-f]{40}$/);
    } finally {
      await Promise.all(tails.map((stop) => stop()));
      await stopAll(servers);
    }
  });
});
