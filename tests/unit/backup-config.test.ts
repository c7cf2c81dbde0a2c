// backupSourceDirs: global, per topology and from the environment, like logDirs.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError, loadConfig } from "../../lib/config/load";

const dir = mkdtempSync(path.join(os.tmpdir(), "backup-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function withConfig(content: unknown): string {
  const file = path.join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe("backupSourceDirs", () => {
  test("global, per topology and REPLSCOPE_BACKUP_SOURCE_DIRS are merged per topology", () => {
    const file = withConfig({
      backupSourceDirs: ["/var/lib/redis"],
      topologies: [
        { name: "a", seeds: ["redis://127.0.0.1:7000"], backupSourceDirs: ["/srv/redis-a/"] },
        { name: "b", seeds: ["redis://127.0.0.1:7001"] },
      ],
    });
    const cfg = loadConfig({ REPLSCOPE_CONFIG: file, REPLSCOPE_BACKUP_SOURCE_DIRS: "/data/one:/data/two" }, dir);
    assert.deepEqual(cfg.topologies[0]?.backupSourceDirs, ["/data/one", "/data/two", "/var/lib/redis", "/srv/redis-a"]);
    assert.deepEqual(cfg.topologies[1]?.backupSourceDirs, ["/data/one", "/data/two", "/var/lib/redis"]);
  });

  test("unset: none (snapshots are then fetched over replication)", () => {
    const cfg = loadConfig({ REPLSCOPE_SEEDS: "redis://127.0.0.1:7000" }, dir);
    assert.deepEqual(cfg.topologies[0]?.backupSourceDirs, []);
  });

  test("relative paths and '..' are refused", () => {
    assert.throws(() => loadConfig({ REPLSCOPE_CONFIG: withConfig({ backupSourceDirs: ["data"], topologies: [{ name: "a", seeds: ["redis://h:1"] }] }) }, dir), ConfigError);
    assert.throws(() => loadConfig({ REPLSCOPE_CONFIG: withConfig({ topologies: [{ name: "a", seeds: ["redis://h:1"], backupSourceDirs: ["/a/../etc"] }] }) }, dir), ConfigError);
    assert.throws(() => loadConfig({ REPLSCOPE_SEEDS: "redis://h:1", REPLSCOPE_BACKUP_SOURCE_DIRS: "rel/dir" }, dir), ConfigError);
  });
});
