// The guarded open checks the policy again on the opened fd's real path (/proc/self/fd on Linux):
// O_NOFOLLOW covers only the last component, so a directory swapped for a symlink between realpath
// and open must still be refused.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openedPathRefusal, openGuarded, resolveDirsPolicy } from "../../lib/logs/log-access";

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), "replscope-guarded-")));
const inside = path.join(root, "allowed");
const outside = path.join(root, "secret");
for (const [dir, body] of [[inside, "ok"], [outside, "secret"]] as const) {
  mkdirSync(dir);
  writeFileSync(path.join(dir, "dump.rdb"), body);
}
after(() => rmSync(root, { recursive: true, force: true }));

describe("guarded open: the policy again after the open", () => {
  it("opens a file inside the allowed dir", async () => {
    const policy = await resolveDirsPolicy([inside], []);
    const fh = await openGuarded(path.join(inside, "dump.rdb"), policy);
    try {
      assert.equal((await fh.readFile("utf8")), "ok");
      assert.equal(await openedPathRefusal(fh.fd, path.join(inside, "dump.rdb"), policy), null);
    } finally {
      await fh.close();
    }
  });

  it("refuses when the fd really is outside the allowed dirs (as after a swapped directory)", { skip: process.platform !== "linux" }, async () => {
    const policy = await resolveDirsPolicy([inside], []);
    // What a swap would leave: the path checked says "inside", the kernel says "outside".
    const fh = await open(path.join(outside, "dump.rdb"), "r");
    try {
      const refusal = await openedPathRefusal(fh.fd, path.join(inside, "dump.rdb"), policy);
      assert.match(refusal ?? "", /was swapped while it was being opened/);
      assert.match(refusal ?? "", /secret/);
    } finally {
      await fh.close();
    }
  });

  it("refuses another path inside the dirs, and a path it cannot tell; trusts the inode check where the platform cannot say", async () => {
    const policy = await resolveDirsPolicy([inside], []);
    const checked = path.join(inside, "dump.rdb");
    assert.match((await openedPathRefusal(3, checked, policy, undefined, async () => path.join(inside, "other.rdb"))) ?? "", /resolved to .*other\.rdb/);
    assert.match((await openedPathRefusal(3, checked, policy, undefined, async () => "/etc/shadow")) ?? "", /swapped/);
    assert.match((await openedPathRefusal(3, checked, policy, undefined, () => Promise.reject(Object.assign(new Error("gone"), { code: "ENOENT" })))) ?? "", /cannot tell .*ENOENT/);
    assert.equal(await openedPathRefusal(3, checked, policy, undefined, async () => null), null);
  });
});
