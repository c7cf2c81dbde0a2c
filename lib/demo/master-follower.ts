// The demo's writers write to whichever demo node is master now, not the one that was master at
// start: after a promote drill, a switchover or `REPLICAOF NO ONE`, they look again (ROLE on every
// known node) and say on the terminal when they move, or when no node accepts writes.
import Redis from "ioredis";

export interface DemoNode {
  host: string;
  port: number;
}

export interface RoleAnswer {
  id: string;
  /** null when the node did not answer ROLE. */
  role: "master" | "slave" | "sentinel" | null;
  /** For a master: how many replicas it lists; its offset. */
  replicas: number;
  offset: number;
}

/**
 * Which node to write to. The current one while it is still a master (a `REPLICAOF NO ONE` on some
 * replica leaves the old master a master: writes stay where the tree is). Otherwise the master
 * with the most replicas, then the highest offset, then the lowest address: stable for equal answers.
 */
export function pickMaster(answers: RoleAnswer[], current: string | null): string | null {
  if (current && answers.some((a) => a.id === current && a.role === "master")) return current;
  const masters = answers.filter((a) => a.role === "master");
  masters.sort((a, b) => b.replicas - a.replicas || b.offset - a.offset || a.id.localeCompare(b.id));
  return masters[0]?.id ?? null;
}

/** `ROLE` reply → RoleAnswer (master: ["master", offset, [[host, port, offset]…]]). */
export function parseRole(id: string, reply: unknown): RoleAnswer {
  if (!Array.isArray(reply)) return { id, role: null, replicas: 0, offset: 0 };
  const kind = reply[0];
  if (kind === "master") {
    const offset = typeof reply[1] === "number" ? reply[1] : 0;
    return { id, role: "master", replicas: Array.isArray(reply[2]) ? reply[2].length : 0, offset };
  }
  if (kind === "slave" || kind === "sentinel") return { id, role: kind, replicas: 0, offset: 0 };
  return { id, role: null, replicas: 0, offset: 0 };
}

/** Where a demo writer sends its writes. */
export interface WriteTarget {
  /** The client of the node to write to now; null while no demo node is master. */
  client(): Redis | null;
  /** A write failed (READONLY, refused, timeout): look for the master again (at most one look at a time). */
  recheck(): Promise<void>;
  close(): void;
}

export type MasterFollower = WriteTarget;

/** Always the same node (tests and benchmarks write to the master they started). */
export function fixedTarget(port: number, host = "127.0.0.1"): WriteTarget {
  const r = new Redis({ port, host, maxRetriesPerRequest: 1 });
  r.on("error", () => undefined);
  return { client: () => r, recheck: () => new Promise((res) => setTimeout(res, 100)), close: () => r.disconnect() };
}

/** Runs one pipeline on the target; a refused or failed write makes the target look again. */
export async function writeTo(target: WriteTarget, build: (p: ReturnType<Redis["pipeline"]>) => void): Promise<boolean> {
  const r = target.client();
  if (!r) {
    await target.recheck();
    return false;
  }
  const p = r.pipeline();
  build(p);
  try {
    const results = await p.exec();
    if (!results?.some(([err]) => err)) return true;
  } catch {
    /* connection refused or timed out: the master may be down or moved */
  }
  await target.recheck();
  return false;
}

const RECHECK_MIN_MS = 250;

export function followMaster(nodes: DemoNode[], initial: DemoNode, log: (line: string) => void = (l) => console.log(l)): MasterFollower {
  const clients = new Map<string, Redis>();
  for (const n of nodes) {
    // One short-timeout connection per node: a frozen node must not hold the writers up for long.
    const r = new Redis({ host: n.host, port: n.port, maxRetriesPerRequest: 1, commandTimeout: 1000, retryStrategy: () => 500, lazyConnect: false });
    r.on("error", () => undefined);
    clients.set(`${n.host}:${n.port}`, r);
  }
  let current: string | null = `${initial.host}:${initial.port}`;
  let looking: Promise<void> | null = null;
  let lastLook = 0;

  const look = async () => {
    const answers = await Promise.all(
      [...clients].map(async ([id, r]) => {
        try {
          return parseRole(id, await r.call("ROLE"));
        } catch {
          return parseRole(id, null);
        }
      }),
    );
    const next = pickMaster(answers, current);
    if (next !== current) {
      if (next) log(`demo writers: now writing to ${next}, the master${current ? ` (was ${current})` : ""}`);
      else log(`demo writers: no demo node answers as master (${current} does not); writes paused until one does`);
      current = next;
    }
  };

  return {
    client: () => (current ? (clients.get(current) ?? null) : null),
    recheck: () => {
      if (looking) return looking;
      // Many failed writes in a row ask once per interval, not once per write.
      const wait = Math.max(0, lastLook + RECHECK_MIN_MS - Date.now());
      looking = new Promise<void>((res) => setTimeout(res, wait))
        .then(look)
        .finally(() => {
          lastLook = Date.now();
          looking = null;
        });
      return looking;
    },
    close: () => {
      for (const r of clients.values()) r.disconnect();
    },
  };
}
