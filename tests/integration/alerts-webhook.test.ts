import { test, describe } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createWebhookSender } from "../../lib/alerts/webhook";
import { waitFor } from "../support/wait";

interface Received {
  body: string;
  contentType: string | undefined;
  userAgent: string | undefined;
  method: string | undefined;
}

/** A real HTTP endpoint on 127.0.0.1 whose answer per request is decided by `answer(n)`. */
async function endpoint(t: { after(fn: () => Promise<void>): void }, answer: (n: number, res: http.ServerResponse) => void) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ body, contentType: req.headers["content-type"], userAgent: req.headers["user-agent"], method: req.method });
      answer(received.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received };
}

const reply = (res: http.ServerResponse, status: number) => res.writeHead(status).end();

describe("webhook sender", () => {
  test("two 500s then 200: delivered once with the right JSON, retries counted", async (t) => {
    const ep = await endpoint(t, (n, res) => reply(res, n <= 2 ? 500 : 200));
    const hook = createWebhookSender({ url: ep.url, backoffMs: 10 });
    t.after(() => hook.close());
    const payload = { status: "firing", alert: { id: "main/lag-bytes/10.0.0.2:6379", text: "10.0.0.2:6379 is 5.0 MB behind" } };
    hook.send(payload);
    await waitFor("delivery", () => hook.stats(), (s) => s.sent === 1);
    assert.deepEqual(hook.stats(), { sent: 1, failed: 0, dropped: 0, queued: 0, retried: 2, lastError: "HTTP 500" });
    assert.equal(ep.received.length, 3);
    for (const r of ep.received) {
      assert.deepEqual(JSON.parse(r.body), payload);
      assert.equal(r.method, "POST");
      assert.equal(r.contentType, "application/json");
      assert.equal(r.userAgent, "replscope");
    }
  });

  test("400 is not retried; the next payload still goes out", async (t) => {
    const ep = await endpoint(t, (n, res) => reply(res, n === 1 ? 400 : 204));
    const hook = createWebhookSender({ url: ep.url, backoffMs: 10 });
    t.after(() => hook.close());
    hook.send({ n: 1 });
    hook.send({ n: 2 });
    await waitFor("both handled", () => hook.stats(), (s) => s.sent + s.failed === 2);
    assert.deepEqual(hook.stats(), { sent: 1, failed: 1, dropped: 0, queued: 0, retried: 0, lastError: "HTTP 400" });
    assert.deepEqual(ep.received.map((r) => JSON.parse(r.body) as unknown), [{ n: 1 }, { n: 2 }]);
  });

  test("gives up after the configured retries", async (t) => {
    const ep = await endpoint(t, (_n, res) => reply(res, 503));
    const hook = createWebhookSender({ url: ep.url, backoffMs: 5, retries: 2 });
    t.after(() => hook.close());
    hook.send({ x: 1 });
    await waitFor("failure", () => hook.stats(), (s) => s.failed === 1);
    assert.equal(ep.received.length, 3);
    assert.equal(hook.stats().retried, 2);
  });

  test("a hanging endpoint times out and the retry is delivered", async (t) => {
    const ep = await endpoint(t, (n, res) => {
      if (n > 1) reply(res, 200); // the first request never gets an answer
    });
    const hook = createWebhookSender({ url: ep.url, timeoutMs: 300, backoffMs: 10 });
    t.after(() => hook.close());
    const started = Date.now();
    hook.send({ slow: true });
    await waitFor("delivery after timeout", () => hook.stats(), (s) => s.sent === 1);
    assert.ok(Date.now() - started >= 300, "waited for the timeout");
    assert.equal(ep.received.length, 2);
    assert.equal(hook.stats().retried, 1);
    assert.match(hook.stats().lastError ?? "", /timed out after 300 ms/);
  });

  test("network errors are retried, then counted as failed", async (t) => {
    const ep = await endpoint(t, (_n, res) => reply(res, 200));
    // A port that was just free: connection refused.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const hook = createWebhookSender({ url: `http://127.0.0.1:${port}/`, backoffMs: 5, retries: 1 });
    t.after(() => hook.close());
    hook.send({});
    await waitFor("failure", () => hook.stats(), (s) => s.failed === 1);
    assert.equal(hook.stats().retried, 1);
    assert.match(hook.stats().lastError ?? "", /network error/);
    assert.equal(ep.received.length, 0);
  });

  test("the queue is bounded: oldest dropped and counted, order kept", async (t) => {
    const held: http.ServerResponse[] = [];
    const ep = await endpoint(t, (_n, res) => held.push(res));
    const hook = createWebhookSender({ url: ep.url, maxQueue: 3, timeoutMs: 10_000 });
    t.after(() => hook.close());
    hook.send({ n: 0 });
    await waitFor("first request in flight", () => ep.received.length, (n) => n === 1);
    for (let n = 1; n <= 9; n++) hook.send({ n });
    assert.deepEqual(hook.stats(), { sent: 0, failed: 0, dropped: 6, queued: 3, retried: 0, lastError: null });
    // Release the endpoint: answer everything held so far and everything that comes next.
    const release = setInterval(() => held.splice(0).forEach((res) => reply(res, 200)), 10);
    t.after(() => clearInterval(release));
    await waitFor("queue drained", () => hook.stats(), (s) => s.sent === 4);
    assert.deepEqual(ep.received.map((r) => (JSON.parse(r.body) as { n: number }).n), [0, 7, 8, 9]);
  });

  test("close() stops the loop: in-flight request aborted, nothing sent afterwards", async (t) => {
    const ep = await endpoint(t, () => undefined); // never answers
    const hook = createWebhookSender({ url: ep.url, timeoutMs: 60_000 });
    hook.send({ n: 1 });
    hook.send({ n: 2 });
    await waitFor("first request in flight", () => ep.received.length, (n) => n === 1);
    const started = Date.now();
    await hook.close();
    assert.ok(Date.now() - started < 1000, "close did not wait for the 60 s timeout");
    hook.send({ n: 3 });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(ep.received.length, 1);
    assert.deepEqual(hook.stats(), { sent: 0, failed: 0, dropped: 1, queued: 2, retried: 0, lastError: null });
  });

  test("close() also interrupts a backoff sleep", async (t) => {
    const ep = await endpoint(t, (_n, res) => reply(res, 500));
    const hook = createWebhookSender({ url: ep.url, backoffMs: 60_000, maxBackoffMs: 60_000 });
    hook.send({});
    await waitFor("first attempt failed", () => hook.stats(), (s) => s.retried === 1);
    const started = Date.now();
    await hook.close();
    assert.ok(Date.now() - started < 1000);
    assert.equal(ep.received.length, 1);
  });
});
