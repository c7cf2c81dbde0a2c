// Export files are bounded: the newest MAX_FILES kept, a crash's .part leftovers removed, and a
// symlink planted in the exports dir is never served.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MAX_FILES, TransferManager } from "../../lib/backup/logical/jobs";

test("old export files are pruned, .part leftovers removed, symlinks not served", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-transfer-"));
  try {
    const dir = path.join(dataDir, "exports");
    mkdirSync(dir);
    const ids = Array.from({ length: MAX_FILES + 5 }, (_, i) => i.toString(16).padStart(16, "0"));
    ids.forEach((id, i) => {
      const f = path.join(dir, `${id}.rsd`);
      writeFileSync(f, `file ${i}`);
      utimesSync(f, new Date(1_000_000 + i * 1000), new Date(1_000_000 + i * 1000));
    });
    writeFileSync(path.join(dir, "ffffffffffffffff.rsd.part"), "half");
    const secret = path.join(dataDir, "secret.txt");
    writeFileSync(secret, "not an export");
    const m = new TransferManager({ dataDir });
    const left = readdirSync(dir).sort();
    assert.equal(left.length, MAX_FILES);
    assert.deepEqual(left, ids.slice(5).map((id) => `${id}.rsd`));
    assert.equal(m.exportFile(ids[0]!), null, "the oldest were deleted");
    assert.equal(m.exportFile(ids[24]!)?.size, "file 24".length);
    symlinkSync(secret, path.join(dir, "eeeeeeeeeeeeeeee.rsd"));
    assert.equal(m.exportFile("eeeeeeeeeeeeeeee"), null);
    assert.equal(m.openExport("eeeeeeeeeeeeeeee"), null);
    assert.equal(m.exportFile("../secret.txt"), null);
    const opened = m.openExport(ids[24]!);
    assert.ok(opened);
    opened.stream.destroy();
    await m.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a pinned export is not pruned until its last pin is released", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-transfer-"));
  try {
    const dir = path.join(dataDir, "exports");
    mkdirSync(dir);
    const write = (i: number) => {
      const id = i.toString(16).padStart(16, "0");
      const f = path.join(dir, `${id}.rsd`);
      writeFileSync(f, `file ${i}`);
      utimesSync(f, new Date(1_000_000 + i * 1000), new Date(1_000_000 + i * 1000));
      return id;
    };
    const ids = Array.from({ length: MAX_FILES }, (_, i) => write(i));
    const m = new TransferManager({ dataDir });
    const oldest = ids[0]!;
    const unpinA = m.pinExport(oldest);
    const unpinB = m.pinExport(oldest);
    // A new file past the bound, then the prune a finished export runs (private: called directly).
    write(MAX_FILES);
    const prune = () => (m as unknown as { pruneFiles(): void }).pruneFiles();
    prune();
    assert.ok(m.exportFile(oldest), "pinned: kept although it is the oldest past the bound");
    unpinA();
    unpinA(); // idempotent: must not release B's pin
    assert.ok(m.exportFile(oldest), "still pinned by B");
    unpinB();
    assert.equal(m.exportFile(oldest), null, "the last unpin prunes it");
    assert.equal(readdirSync(dir).length, MAX_FILES);
    await m.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
