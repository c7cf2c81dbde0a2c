import { test } from "node:test";
import assert from "node:assert/strict";
import { buildKeyTree } from "../../lib/keys/tree";

test("keys group into folders with counts, natural order", () => {
  const root = buildKeyTree(["user:10:name", "user:2:name", "user:2:email", "session:x", "plain", "user"]);
  assert.equal(root.count, 6);
  assert.deepEqual(root.keys, ["plain", "user"]);
  assert.deepEqual(root.folders.map((f) => [f.name, f.count]), [["session", 1], ["user", 3]]);
  const user = root.folders[1];
  assert.deepEqual(user?.folders.map((f) => [f.name, f.prefix, f.count]), [["2", "user:2:", 2], ["10", "user:10:", 1]]);
  assert.deepEqual(user?.folders[0]?.keys, ["user:2:email", "user:2:name"]);
});

test("custom separator, empty segments, depth cap and item objects", () => {
  const items = [{ key: "b64:AAA", display: "a/b/c/d" }, { key: "x", display: "a//z" }];
  const root = buildKeyTree(items, { separator: "/", maxDepth: 2, nameOf: (i) => i.display });
  const a = root.folders[0];
  assert.equal(a?.name, "a");
  assert.deepEqual(a?.folders.map((f) => f.name), ["", "b"]);
  assert.equal(a?.folders[1]?.keys[0]?.key, "b64:AAA"); // "c/d" stays in the leaf: depth capped at 2
  assert.equal(a?.folders[1]?.folders.length, 0);
});

test("empty input gives an empty root", () => {
  assert.deepEqual(buildKeyTree([]), { name: "", prefix: "", count: 0, folders: [], keys: [] });
});
