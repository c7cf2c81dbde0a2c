// Browser-side fetch helpers for the key and compare API: JSON in, the server's error text out.

export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export async function apiJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { ...(init?.body ? { "content-type": "application/json" } : {}), ...init?.headers } });
  if (res.status === 401) {
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a plain helper outside React: a full navigation to the login page is intended
    window.location.href = `/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;
    throw new ApiError("login required", 401);
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    /* an empty or non-JSON answer: reported by status below */
  }
  if (!res.ok) {
    const msg = body && typeof body === "object" && "error" in body && typeof body.error === "string" ? body.error : `HTTP ${res.status}`;
    throw new ApiError(msg, res.status);
  }
  return body as T;
}

export interface TopologyListing {
  /** `cluster`: a Redis Cluster as last read (the key browser then offers the whole-cluster mode). */
  topologies: { name: string; cluster?: boolean; nodes: import("@/lib/monitor/types").NodeView[] }[];
}

export const WRITABLE_REPLICA_NOTE =
  "Writable replica (replica-read-only no): writes made on it survive a partial resync, vanish on the next full resync, and never reach its own sub-replicas.";

/**
 * Key names travel in request bodies; a page URL carries one only when it is short. Node answers
 * 431 to request headers over 16 KB, and Redis key names can be far longer.
 */
const MAX_KEY_IN_URL = 2048;

/** The key page for a node, db and (when it fits in a URL) key. */
export function keyPageUrl(p: { node?: string; topology?: string; db?: number; key?: string | null }): string {
  const q = new URLSearchParams();
  if (p.node) q.set("node", p.node);
  if (p.topology) q.set("topology", p.topology);
  if (p.db) q.set("db", String(p.db));
  if (p.key && encodeURIComponent(p.key).length <= MAX_KEY_IN_URL) q.set("key", p.key);
  return `/keys?${q}`;
}
