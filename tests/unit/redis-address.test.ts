// The one address formatter/parser pair: node ids keep IPv6 hosts without brackets, and a
// bracketed host never comes out of splitAddress (it would be dialled as a name: ENOTFOUND).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bareHost, formatAddress, NODE_ID, splitAddress } from "../../lib/redis/address";

describe("formatAddress", () => {
  test("IPv4 and hostnames as host:port", () => {
    assert.equal(formatAddress("127.0.0.1", 6379), "127.0.0.1:6379");
    assert.equal(formatAddress("redis-a.internal", "6380"), "redis-a.internal:6380");
  });
  test("IPv6 hosts without brackets, whether given with them or not", () => {
    assert.equal(formatAddress("::1", 6379), "::1:6379");
    assert.equal(formatAddress("[::1]", 6379), "::1:6379");
    assert.equal(formatAddress("[2001:db8::5]", "7000"), "2001:db8::5:7000");
  });
});

describe("splitAddress", () => {
  test("IPv4 and hostnames", () => {
    assert.deepEqual(splitAddress("127.0.0.1:6379"), { host: "127.0.0.1", port: 6379 });
    assert.deepEqual(splitAddress("redis-a.internal:6380"), { host: "redis-a.internal", port: 6380 });
  });
  test("IPv6 unbracketed: the port is after the last colon", () => {
    assert.deepEqual(splitAddress("::1:6379"), { host: "::1", port: 6379 });
    assert.deepEqual(splitAddress("2001:db8::5:7000"), { host: "2001:db8::5", port: 7000 });
  });
  test("IPv6 bracketed: the brackets go", () => {
    assert.deepEqual(splitAddress("[::1]:6379"), { host: "::1", port: 6379 });
    assert.deepEqual(splitAddress("[fe80::1]:1"), { host: "fe80::1", port: 1 });
  });
  test("round trip: split(format(h, p)) gives the bare host back", () => {
    for (const [h, p] of [["127.0.0.1", 1], ["::1", 65535], ["[::1]", 7001], ["cache.local", 6379]] as const) {
      assert.deepEqual(splitAddress(formatAddress(h, p)), { host: bareHost(h), port: p });
    }
  });
  test("bad input: null, never a half-parsed address", () => {
    for (const bad of ["", "6379", ":6379", "host", "host:", "host:0", "host:65536", "host:abc", "host:12a", "host:-1", "host:1.5", "host: 1", "[::1]", "[::1:6379", "::1]:6379", "[]:6379", "[[::1]]:6379"]) {
      assert.equal(splitAddress(bad), null, JSON.stringify(bad));
    }
  });
  test("every id splitAddress accepts passes NODE_ID when its characters are allowed", () => {
    for (const id of ["127.0.0.1:6379", "::1:6379", "[::1]:6379", "a-b.c:1"]) assert.match(id, NODE_ID);
  });
});
