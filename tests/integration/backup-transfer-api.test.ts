// The export/import API end to end against the production server: POST /api/export → live
// progress on the socket → the file downloaded → POST /api/import with it as a streamed
// octet-stream body into an empty node → identical data (DEBUG DIGEST), the final report on the
// socket and in the audit log; bad input is a 4xx JSON; the import route's own body limit.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import Redis from "ioredis";
import { io, type Socket } from "socket.io-client";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import type { TransferJob, TransferUpdate } from "../../lib/realtime/events";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { waitFor } from "../support/wait";

const ARGS = ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"];
const auth = { authorization: `Bearer ${TEST_TOKEN}` };
let src: LocalRedis;
let dst: LocalRedis;
let a: Redis;
let b: Redis;
let server: ServerProcess;
let socket: Socket;
const summaries: TransferUpdate[] = [];

before(async () => {
  [src, dst] = await Promise.all([startRedis({ args: ARGS }), startRedis({ args: ARGS })]);
  a = new Redis({ port: src.port, host: "127.0.0.1" });
  b = new Redis({ port: dst.port, host: "127.0.0.1" });
  await a.call("DEBUG", "POPULATE", "3000", "k", "10");
  await a.hset("h", "f", "v");
  await a.set(Buffer.from([0xc3, 0x28, 0x00]), "binary", "PX", 3_600_000);
  await a.xadd("x", "1-1", "k", "v");
  await a.xgroup("CREATE", "x", "g", "0");
  await a.xreadgroup("GROUP", "g", "c", "STREAMS", "x", ">");
  await a.select(3);
  await a.set("in-db-3", "x");
  await a.select(0);
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${src.port},redis://127.0.0.1:${dst.port}`, REPLSCOPE_IMPORT_MAX_BYTES: String(2 * 1024 * 1024) });
  socket = io(server.url, { transports: ["websocket"], auth: { token: TEST_TOKEN }, reconnection: false });
  socket.on("transfers:summary", (u: TransferUpdate) => summaries.push(u));
  await new Promise((resolve, reject) => {
    socket.once("topology:snapshot", resolve);
    socket.once("connect_error", reject);
  });
  await waitFor("both nodes up", async () => ((await (await fetch(`${server.url}/api/topology`, { headers: auth })).json()) as { topologies: { nodes: { status: string }[] }[] }).topologies[0]?.nodes.filter((n) => n.status === "up").length ?? 0, (n) => n === 2, 20_000);
});

after(async () => {
  socket?.disconnect();
  a?.disconnect();
  b?.disconnect();
  await server?.stop();
  await stopAll([src, dst].filter(Boolean));
});

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test("export → socket progress → download → streamed import into an empty node: identical data, final report audited", async () => {
  const started = await api("/api/export", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ node: `127.0.0.1:${src.port}` }) });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = String(started.body.id);
  assert.match(id, /^[0-9a-f]{16}$/);
  // The job's own channel: the current state at once, then its progress to the end.
  const own: TransferJob[] = [];
  socket.on("transfer:progress", (u: TransferUpdate) => own.push(u.job));
  const ack = await new Promise((resolve) => socket.emit("transfer:subscribe", { id }, resolve));
  assert.deepEqual(ack, { ok: true });
  const done = await waitFor("export done", () => api(`/api/export/${id}`), (r) => r.body.status !== "running", 30_000);
  assert.equal(done.body.status, "done", JSON.stringify(done.body));
  assert.equal(done.body.keys, 3004);
  assert.match(String(done.body.sha256), /^[0-9a-f]{64}$/);
  await waitFor("final export update on the socket", () => summaries.find((s) => s.job.id === id && s.job.status === "done"), Boolean);
  assert.ok(own.some((j) => j.id === id && j.status === "done" && j.keys === 3004), "the job's room got the final report");

  const file = await fetch(`${server.url}/api/export/${id}/file`, { headers: auth });
  assert.equal(file.status, 200);
  assert.equal(file.headers.get("content-type"), "application/octet-stream");
  const bytes = Buffer.from(await file.arrayBuffer());
  assert.equal(bytes.subarray(0, 6).toString(), "RSDUMP");
  assert.equal(bytes.length, done.body.bytes);

  const imported = await api(`/api/import?node=127.0.0.1:${dst.port}&policy=stop`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: bytes });
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  assert.equal(imported.body.status, "done");
  assert.equal(imported.body.restored, 3004);
  assert.deepEqual([imported.body.skipped, imported.body.failed, imported.body.expired, imported.body.error], [0, 0, 0, null]);
  assert.equal(String(await b.call("DEBUG", "DIGEST")), String(await a.call("DEBUG", "DIGEST")));
  const importId = String(imported.body.id);
  const later = await api(`/api/import/${importId}`);
  assert.equal(later.body.restored, 3004);
  await waitFor("final import update on the socket", () => summaries.find((s) => s.job.id === importId && s.job.status === "done"), Boolean);

  // Importing again with "stop" stops at the first key (all exist); nothing is changed.
  const again = await api(`/api/import?node=127.0.0.1:${dst.port}&policy=stop`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: bytes });
  assert.deepEqual([again.body.status, again.body.restored], ["stopped", 0]);
  assert.match(String(again.body.error), /already exists on the target \(policy stop\)/);

  const audit = await waitFor("audit entries", () => api("/api/audit?limit=100"), (r) => {
    const actions = ((r.body.entries ?? []) as { action: string }[]).map((e) => e.action);
    return ["export:start", "export:finished", "export:download", "import:start", "import:finished"].every((x) => actions.includes(x));
  });
  const entries = (audit.body.entries ?? []) as { action: string; user: string; result: string; params?: Record<string, unknown> }[];
  const start = entries.find((e) => e.action === "import:start");
  const finished = entries.filter((e) => e.action === "import:finished");
  assert.ok(start && finished.length >= 1);
  assert.ok(finished.every((e) => e.user === start.user), "the final report names who started the import");
  assert.ok(finished.some((e) => e.result === "ok" && e.params?.restored === 3004));
});

test("the /transfer page is served and lists the jobs' controls", async () => {
  const res = await fetch(`${server.url}/transfer`, { headers: auth });
  assert.equal(res.status, 200);
  const html = await res.text();
  for (const id of ["transfer-page", "export-start", "import-start", "import-policy"]) assert.ok(html.includes(`data-testid="${id}"`), id);
});

test("an export of one db holds that db only", async () => {
  const started = await api("/api/export", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ node: `127.0.0.1:${src.port}`, db: 3 }) });
  assert.equal(started.status, 202);
  const done = await waitFor("export done", () => api(`/api/export/${String(started.body.id)}`), (r) => r.body.status !== "running", 30_000);
  assert.deepEqual([done.body.status, done.body.keys], ["done", 1]);
  assert.deepEqual(done.body.filters, { match: null, db: 3, type: null });
});

test("bad input is a 4xx JSON; a corrupt upload is reported at its byte offset", async () => {
  const badPolicy = await api(`/api/import?node=127.0.0.1:${dst.port}&policy=merge`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: "x" });
  assert.equal(badPolicy.status, 400);
  assert.match(String(badPolicy.body.error), /policy: must be skip, replace or stop/);
  const unknownNode = await api("/api/export", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ node: "127.0.0.1:1" }) });
  assert.equal(unknownNode.status, 404);
  const noJob = await api("/api/export/0123456789abcdef");
  assert.equal(noJob.status, 404);
  const badId = await api("/api/import/nope");
  assert.equal(badId.status, 400);
  const wrongType = await api(`/api/import?node=127.0.0.1:${dst.port}&policy=skip`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(wrongType.status, 415);
  const garbage = await api(`/api/import?node=127.0.0.1:${dst.port}&policy=skip`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: "RSDUMP\0\x01garbage!" });
  assert.equal(garbage.status, 200);
  assert.deepEqual([garbage.body.status, garbage.body.errorOffset], ["failed", 8]);
  assert.match(String(garbage.body.error), /truncated|corrupt/);
});

function post(path: string, bytes: number, declare: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, method: "POST", agent: false, headers: { ...auth, "content-type": "application/octet-stream", ...(declare ? { "content-length": String(bytes) } : {}) } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    if (declare && bytes > 2 * 1024 * 1024) return void req.flushHeaders();
    req.end(Buffer.alloc(bytes, 0x41));
  });
}

test("only POST /api/import gets past the 1 MiB front door limit, up to REPLSCOPE_IMPORT_MAX_BYTES", async () => {
  const path = `/api/import?node=127.0.0.1:${dst.port}&policy=skip`;
  // 1.5 MiB: over every other route's limit, accepted here (and then not a dump).
  const mid = await post(path, 1.5 * 1024 * 1024, true);
  assert.equal(mid.status, 200, mid.body);
  assert.match(mid.body, /not a replscope dump/);
  const declared = await post(path, 3 * 1024 * 1024, true);
  assert.equal(declared.status, 413, declared.body);
  assert.match(declared.body, /at most 2097152 bytes/);
  const other = await post("/api/export", 1.5 * 1024 * 1024, true);
  assert.equal(other.status, 413);
  assert.match(other.body, /at most 1048576 bytes/);
});

test("an import that stops early answers at once and closes the connection instead of reading the rest of the upload", async () => {
  // 2 MiB declared, only the first 64 KiB sent (and not a dump): the answer must not wait for the
  // rest, and the socket must not be kept open to swallow it. The client asks for keep-alive (a
  // Node client without an agent would otherwise send Connection: close itself).
  const declared = 2 * 1024 * 1024;
  let closed = false;
  const req = request({ host: "127.0.0.1", port: server.port, path: `/api/import?node=127.0.0.1:${dst.port}&policy=stop`, method: "POST", agent: false, headers: { ...auth, "content-type": "application/octet-stream", "content-length": String(declared), connection: "keep-alive" } });
  req.on("error", () => undefined); // the server closes a socket we were still writing to
  req.on("socket", (s) => s.on("close", () => (closed = true)));
  const answered = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve) => {
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
  });
  req.flushHeaders();
  req.write(Buffer.alloc(64 * 1024, 0x41));
  const res = await answered;
  assert.equal(res.status, 200, res.body);
  assert.match(res.body, /not a replscope dump/);
  assert.equal(res.connection, "close");
  await waitFor("the server closed the connection with ~1.9 MiB of the upload unsent", () => closed, Boolean);
  req.destroy();
  const healthy = await api("/api/export");
  assert.equal(healthy.status, 200);
});
