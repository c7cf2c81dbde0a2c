// The pure checks in front of every request (issue 9: findings 1, 4, 7, 12): request paths that a
// router could read differently, Host names, the bounded body reader, and the after-login target.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isPublicPath } from "../../lib/auth/gate";
import { safeNextPath } from "../../lib/auth/next-path";
import { readBodyText, readJson } from "../../lib/http/body";
import { errorResponse, HttpError } from "../../lib/http/errors";
import { allowedHosts, hostAllowed } from "../../lib/http/host";
import { isNormalizedPath, pathProblem } from "../../lib/http/request-path";
import { z } from "zod";

describe("request paths", () => {
  test("plain paths pass (encoded colons and brackets are fine; the query is not the path)", () => {
    for (const p of [
      "/",
      "/login",
      "/api/topology",
      "/api/nodes/127.0.0.1%3A6379/key?key=a/../b&x=%2e%2e",
      "/nodes/%5B%3A%3A1%5D%3A6379",
      "/_next/static/chunks/%5Broot-of-the-server%5D__0a1b.js",
      "/_next/static/chunks/app/(dashboard)/page-1.js",
      "/socket.io/?EIO=4&transport=polling",
      "/login/",
    ]) {
      assert.equal(pathProblem(p), null, p);
    }
  });

  test("dot segments, encoded dots, double encoding, backslashes, '//', ';', NUL and controls are refused", () => {
    for (const p of [
      "/_next/static/../../api/topology",
      "/_next/static/%2e%2e/%2e%2e/api/topology",
      "/_next/static/%2E%2E/api/topology",
      "/_next/static/.%2E/api/topology",
      "/_next/static/%252e%252e/api/topology",
      "/_next/static/..%2fapi",
      "/_next/static/..%2F..%2Fapi",
      "/_next/static/..\\..\\api",
      "/_next/static/..%5c..%5capi",
      "/_next/static/%5C..",
      "/login/..;/api/topology",
      "/api/topology;.js",
      "/api/topology/.",
      "/api/topology/..",
      "/./api/topology",
      "//api/topology",
      "/api//topology",
      "/api/topology%00",
      "/api/topology%0a",
      "/api/%20topology",
      "/api/%3Btopology",
      "/api/%ZZ",
      "http://127.0.0.1/api/topology",
      "*",
      "",
    ]) {
      assert.notEqual(pathProblem(p), null, JSON.stringify(p));
    }
  });

  test("isNormalizedPath", () => {
    assert.equal(isNormalizedPath("/a/b/"), true);
    for (const p of ["a", "/a//b", "/a/./b", "/a/..", "/a\\b", "//"]) assert.equal(isNormalizedPath(p), false, p);
  });

  test("regression: a public prefix followed by dot segments is not public", () => {
    for (const p of ["/_next/static/../../api/topology", "/_next/static/%2e%2e/%2e%2e/metrics", "/__nextjs/../api/audit", "/_next/webpack-hmr/../../api/events", "/login/..", "/login;x"]) {
      assert.equal(isPublicPath(p), false, p);
    }
    assert.equal(isPublicPath("/_next/static/chunks/main.js"), true);
  });
});

describe("Host names", () => {
  test("by default: HOST, localhost, 127.0.0.1 and [::1] with the port", () => {
    const hosts = allowedHosts({ host: "127.0.0.1", port: 3000 });
    for (const h of ["127.0.0.1:3000", "localhost:3000", "LOCALHOST:3000", "[::1]:3000"]) assert.equal(hostAllowed(hosts, h), true, h);
    for (const h of ["evil.example:3000", "evil.example", "127.0.0.1", "localhost:3001", "127.0.0.1:3000.evil.example", "2130706433:3000", undefined, ""]) {
      assert.equal(hostAllowed(hosts, h), false, String(h));
    }
  });

  test("a named HOST is answered; a wildcard listen address is not a name; port 80 may be left out", () => {
    assert.equal(hostAllowed(allowedHosts({ host: "dash.internal", port: 8080 }), "dash.internal:8080"), true);
    const wild = allowedHosts({ host: "0.0.0.0", port: 80 });
    assert.equal(hostAllowed(wild, "0.0.0.0:80"), false);
    assert.equal(hostAllowed(wild, "localhost"), true);
    assert.equal(hostAllowed(allowedHosts({ host: "::1", port: 3000 }), "[::1]:3000"), true);
  });

  test("REPLSCOPE_PUBLIC_URL: only its host (with or without the default port)", () => {
    const hosts = allowedHosts({ host: "127.0.0.1", port: 3000, publicUrl: "https://Replscope.Example.com" });
    assert.equal(hostAllowed(hosts, "replscope.example.com"), true);
    assert.equal(hostAllowed(hosts, "replscope.example.com:443"), true);
    assert.equal(hostAllowed(hosts, "127.0.0.1:3000"), false);
    const withPort = allowedHosts({ host: "127.0.0.1", port: 3000, publicUrl: "http://dash.example:8443" });
    assert.equal(hostAllowed(withPort, "dash.example:8443"), true);
    assert.equal(hostAllowed(withPort, "dash.example"), false);
  });
});

describe("after-login target (next)", () => {
  test("regression: the issue's open redirects stay on this origin", () => {
    // useSearchParams() hands the page the decoded value; the raw spellings are checked too.
    for (const next of ["/\\127.0.0.1:17999/phish", "/%5C127.0.0.1:17999/phish", "/\t/host", "/%09/host", "/\n/host", "/\r\n/evil.example"]) {
      assert.equal(safeNextPath(next), "/", JSON.stringify(next));
    }
  });

  test("other ways off the origin", () => {
    for (const next of ["//evil.example", "///evil.example", "https://evil.example/", "javascript:alert(1)", "evil.example", "/%2F/evil.example", "\\\\evil.example", "/\u0000/x", "/%E0%A4%A", "", null, undefined]) {
      assert.equal(safeNextPath(next), "/", JSON.stringify(next));
    }
  });

  test("same-origin paths are kept, with query and hash", () => {
    assert.equal(safeNextPath("/nodes/127.0.0.1%3A6380?tab=keys#k"), "/nodes/127.0.0.1%3A6380?tab=keys#k");
    assert.equal(safeNextPath("/keys"), "/keys");
  });
});

/** A request whose body stream counts how many chunks were pulled from it. */
function streamingRequest(chunks: number, chunkBytes: number, headers: Record<string, string> = {}): { req: Request; pulled: () => number } {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= chunks) return controller.close();
      pulled++;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x61));
    },
  }, { highWaterMark: 0 });
  const req = new Request("http://x/api/auth/login", { method: "POST", body, headers: { "content-type": "application/json", ...headers }, duplex: "half" } as RequestInit);
  return { req, pulled: () => pulled };
}

describe("bounded body reader", () => {
  /** The reader's refusal, as the one error mapper answers it. */
  async function refusal(p: Promise<unknown>): Promise<Response> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof HttpError, String(err));
      return errorResponse(err);
    }
    assert.fail("the read was not refused");
  }

  test("a Content-Length over the limit is refused with 413 before a byte is read", async () => {
    const { req, pulled } = streamingRequest(1000, 1024, { "content-length": String(400 * 1024 * 1024) });
    const res = await refusal(readBodyText(req, 4096));
    assert.equal(res.status, 413);
    assert.equal(res.headers.get("connection"), "close");
    assert.match(((await res.json()) as { error: string }).error, /too large/);
    assert.equal(pulled(), 0);
  });

  test("without Content-Length the reader stops at the limit (it does not read the rest)", async () => {
    const { req, pulled } = streamingRequest(50 * 1024, 1024);
    const res = await refusal(readBodyText(req, 4096));
    assert.equal(res.status, 413);
    assert.ok(pulled() <= 6, `pulled ${pulled()} chunks of 1 KB for a 4 KB limit`);
  });

  test("a malformed Content-Length is 400; a body within the limit is read and parsed", async () => {
    const bad = await refusal(readBodyText(new Request("http://x/", { method: "POST", body: "{}", headers: { "content-length": "12abc" } }), 10));
    assert.equal(bad.status, 400);
    const ok = await readJson(new Request("http://x/", { method: "POST", body: JSON.stringify({ a: 1 }), headers: { "content-type": "application/json" } }), z.object({ a: z.number() }));
    assert.deepEqual(ok, { a: 1 });
  });
});
