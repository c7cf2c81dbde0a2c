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
  topologies: { name: string; nodes: import("@/lib/monitor/types").NodeView[] }[];
}

export const WRITABLE_REPLICA_NOTE =
  "Writable replica (replica-read-only no): writes made on it survive a partial resync, vanish on the next full resync, and never reach its own sub-replicas.";
