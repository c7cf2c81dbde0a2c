// Pure: the replica's master-link connection from `CLIENT LIST TYPE master` (at most one line).
//
// Why it matters: Redis 7 re-makes a cut replication link within milliseconds, between two polls,
// so the link is rarely seen down. The link's identity is seen instead:
// - `laddr` (the replica's local address of the TCP connection to its master) is new on every
//   reconnection;
// - `id` is kept by a partial resync (Redis resurrects the cached master client,
//   replicationResurrectCachedMaster) and new after a full one (replicationCreateMasterClient) or
//   after the node was a master in between (replicationCacheMasterUsingMyself synthesizes one).
// Values are data from the server: parsed as numbers and short strings, nothing else.

export interface MasterLink {
  /** Server-wide client id of the master client on the replica. */
  id: number;
  /** The replica's local ip:port of the link; a new TCP connection has a new one. */
  laddr: string | null;
  /** Seconds since the master client was created (kept by a partial resync, like the id). */
  ageSeconds: number | null;
}

const MAX_ADDR = 64;

function field(line: string, name: string): string | null {
  const m = new RegExp(`(?:^| )${name}=(\\S*)`).exec(line);
  return m ? m[1]! : null;
}

function int(v: string | null): number | null {
  return v !== null && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

/** The first client line of a CLIENT LIST reply, or null when there is none (no master link). */
export function parseMasterLink(reply: string): MasterLink | null {
  const line = reply.split("\n", 1)[0]?.trim() ?? "";
  const id = int(field(line, "id"));
  if (id === null) return null;
  const laddr = field(line, "laddr");
  return { id, laddr: laddr && laddr.length <= MAX_ADDR ? laddr : null, ageSeconds: int(field(line, "age")) };
}

/** Same connection: same client and same local address. */
export function sameLink(a: MasterLink, b: MasterLink): boolean {
  return a.id === b.id && a.laddr === b.laddr;
}
