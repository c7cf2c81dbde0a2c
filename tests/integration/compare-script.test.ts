// The compare job's one-script-per-batch fingerprints must equal the per-command ones for every
// type and size, and fall back cleanly when the server refuses scripts (ACL without @scripting).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { readFingerprints } from "../../lib/redis/read-fingerprint";
import { existsMany, readFingerprintsFast } from "../../lib/redis/script-fingerprint";

let server: LocalRedis;
let admin: Redis;
const KEYS = ["s", "big-s", "h", "big-h", "l", "big-l", "set", "big-set", "z", "big-z", "x", "ttl", "missing"].map((k) => Buffer.from(k));
KEYS.push(Buffer.from([0xff, 0x00, 0x80]));

before(async () => {
  server = await startRedis({ args: ["--save", ""] });
  admin = new Redis({ port: server.port, host: "127.0.0.1" });
  const many = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
  await admin.set("s", "text");
  await admin.set("big-s", "y".repeat(100_000));
  await admin.hset("h", "a", "1", "b", "2");
  await admin.hset("big-h", ...many(500, "f").flatMap((f) => [f, `v-${f}`]));
  await admin.rpush("l", "a", "b");
  await admin.rpush("big-l", ...many(300, "i"));
  await admin.sadd("set", "m1", "m2");
  await admin.sadd("big-set", ...many(2000, "m"));
  await admin.zadd("z", 1, "a", 2.5, "b");
  await admin.zadd("big-z", ...many(400, "z").flatMap((m, i) => [String(i / 3), m]));
  await admin.xadd("x", "1-1", "k", "v");
  await admin.set("ttl", "t", "EX", 500);
  await admin.set(Buffer.from([0xff, 0x00, 0x80]), Buffer.from([0, 1, 2]));
});

after(async () => {
  admin?.disconnect();
  await stopAll(server ? [server] : []);
});

test("script fingerprints equal per-command fingerprints for every type and size", async () => {
  const slow = await readFingerprints(admin, KEYS, { db: 0 });
  const fast = await readFingerprintsFast(admin, KEYS, { db: 0 });
  assert.deepEqual(fast, slow);
  assert.equal(fast[KEYS.length - 2], null, "missing key");
  assert.ok(fast.filter((f) => f?.digest).length >= 12);
  assert.deepEqual(await existsMany(admin, KEYS), KEYS.map((k) => k.toString() !== "missing"));
});

test("a user without @scripting gets the same answers through the fallback", async () => {
  await admin.call("ACL", "SETUSER", "noscript", "on", ">pw-123456", "~*", "+@all", "-@scripting");
  const limited = new Redis({ port: server.port, host: "127.0.0.1", username: "noscript", password: "pw-123456" });
  try {
    const fast = await readFingerprintsFast(limited, KEYS, { db: 0 });
    assert.deepEqual(fast, await readFingerprints(admin, KEYS, { db: 0 }));
    assert.deepEqual(await existsMany(limited, KEYS), KEYS.map((k) => k.toString() !== "missing"));
  } finally {
    limited.disconnect();
  }
});
