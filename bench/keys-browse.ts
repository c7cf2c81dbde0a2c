// The key browser's figures, for bench/keys.ts: first page, a full pattern walk and a full tree
// walk through the API, and the plain SCAN loop the walk is measured against. Each function prints
// nothing; it returns timings for the caller to set next to its naive loop.
import type Redis from "ioredis";

async function get<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const nodePath = (url: string, nodeId: string) => `${url}/api/nodes/${encodeURIComponent(nodeId)}`;

/** 20 timings (ms) of the browser's first page, count=200. */
export async function firstPage(url: string, token: string, nodeId: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await get(`${nodePath(url, nodeId)}/keys?count=200`, token);
    out.push(performance.now() - t);
  }
  return out;
}

/** A full pattern walk: pages of count=1000 until cursor 0. */
export async function patternWalk(url: string, token: string, nodeId: string, pattern: string): Promise<{ ms: number; keys: number; requests: number }> {
  const t = performance.now();
  let cursor = "0";
  let keys = 0;
  let requests = 0;
  do {
    const page = await get<{ cursor: string; keys: unknown[] }>(`${nodePath(url, nodeId)}/keys?match=${encodeURIComponent(pattern)}&count=1000&cursor=${cursor}`, token);
    keys += page.keys.length;
    cursor = page.cursor;
    requests++;
  } while (cursor !== "0");
  return { ms: performance.now() - t, keys, requests };
}

/**
 * A full walk of the tree's root: every step until cursor 0, the slowest request, the folders.
 * firstMs is the first step alone: on a fresh server it includes loading the route's code.
 */
export async function treeWalk(url: string, token: string, nodeId: string): Promise<{ totalMs: number; maxRequestMs: number; requests: number; folders: number; firstMs: number }> {
  const started = performance.now();
  const folders = new Map<string, number>();
  let cursor = "0";
  let requests = 0;
  let maxRequestMs = 0;
  let firstMs = 0;
  do {
    const t = performance.now();
    const step = await get<{ cursor: string; folders: { prefix: string; count: number }[] }>(`${nodePath(url, nodeId)}/keys/tree?cursor=${cursor}`, token);
    const ms = performance.now() - t;
    if (requests === 0) firstMs = ms;
    maxRequestMs = Math.max(maxRequestMs, ms);
    for (const f of step.folders) folders.set(f.prefix, (folders.get(f.prefix) ?? 0) + f.count);
    cursor = step.cursor;
    requests++;
  } while (cursor !== "0");
  return { totalMs: performance.now() - started, maxRequestMs, requests, folders: folders.size, firstMs };
}

/** The naive loop the pattern walk is measured against. */
export async function plainScanLoop(redis: Redis, pattern: string): Promise<{ ms: number; keys: number }> {
  const t = performance.now();
  let cursor = "0";
  let keys = 0;
  do {
    const [next, batch] = await redis.scanBuffer(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next.toString();
    keys += batch.length;
  } while (cursor !== "0");
  return { ms: performance.now() - t, keys };
}
