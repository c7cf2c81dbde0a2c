// During a drill, asks ROLE of each touched node every 25 ms (one loop per node, so a paused or
// frozen node never slows the answers of the others) so the canary follows a new master within a
// few tens of milliseconds instead of a poll period. Drills are short and explicit, so this extra
// load lasts only while one runs.
import type Redis from "ioredis";
import { createConnection, withTimeout, type ConnectOptions } from "../redis/connection";

interface RoleSeen {
  role: "master" | "replica" | "unknown";
  masterId: string | null;
  at: number;
}

/** An answer older than this no longer counts (a node that stopped answering is not "master"). */
const FRESH_MS = 1000;
const TIMEOUT_MS = 1000;

export class RoleProbe {
  private readonly seen = new Map<string, RoleSeen>();
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly nodes: { id: string; conn: ConnectOptions }[],
    private readonly everyMs = 25,
  ) {}

  start(): void {
    this.loops = this.nodes.map((n) => this.run(n.id, n.conn));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** The node that says it is master and that most others say they follow; fresh answers only. */
  master(prefer: string | null, exclude: ReadonlySet<string> = new Set()): string | null {
    const now = Date.now();
    const fresh = [...this.seen.entries()].filter(([, s]) => now - s.at < FRESH_MS);
    const masters = fresh.filter(([id, s]) => s.role === "master" && !exclude.has(id)).map(([id]) => id);
    const followers = (id: string) => fresh.filter(([, s]) => s.masterId === id).length;
    masters.sort((a, b) => followers(b) - followers(a) || (a === prefer ? -1 : b === prefer ? 1 : 0));
    return masters[0] ?? null;
  }

  private async run(id: string, conn: ConnectOptions): Promise<void> {
    let r: Redis | null = null;
    while (!this.stopped) {
      const started = Date.now();
      try {
        if (!r) {
          r = createConnection({ ...conn, timeoutMs: TIMEOUT_MS, connectionName: "replscope-drill" });
          await withTimeout(r.connect(), TIMEOUT_MS);
        }
        const reply = (await withTimeout(r.call("ROLE"), TIMEOUT_MS)) as unknown[];
        const role = reply[0] === "master" ? "master" : reply[0] === "slave" ? "replica" : "unknown";
        this.seen.set(id, { role, masterId: role === "replica" ? `${String(reply[1])}:${String(reply[2])}` : null, at: Date.now() });
      } catch {
        // No answer: the last one simply ages out; a fresh connection next time.
        r?.disconnect();
        r = null;
      }
      await new Promise((res) => setTimeout(res, Math.max(0, this.everyMs - (Date.now() - started))));
    }
    r?.disconnect();
  }
}
