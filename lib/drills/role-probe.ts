// During a drill, asks ROLE of the touched nodes every 25 ms so the canary follows a new master
// within a few tens of milliseconds instead of a poll period. Drills are short and explicit, so
// this extra load lasts only while one runs.
import type Redis from "ioredis";
import { createConnection, withTimeout, type ConnectOptions } from "../redis/connection";

interface RoleSeen {
  role: "master" | "replica" | "unknown";
  masterId: string | null;
  at: number;
}

export class RoleProbe {
  private readonly seen = new Map<string, RoleSeen>();
  private readonly conns = new Map<string, Redis>();
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly nodes: { id: string; conn: ConnectOptions }[],
    private readonly everyMs = 25,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    for (const c of this.conns.values()) c.disconnect();
  }

  /** The node that says it is master and that most others say they follow; fresh answers only. */
  master(prefer: string | null): string | null {
    const now = Date.now();
    const fresh = [...this.seen.entries()].filter(([, s]) => now - s.at < 500);
    const masters = fresh.filter(([, s]) => s.role === "master").map(([id]) => id);
    const followers = (id: string) => fresh.filter(([, s]) => s.masterId === id).length;
    masters.sort((a, b) => followers(b) - followers(a) || (a === prefer ? -1 : b === prefer ? 1 : 0));
    return masters[0] ?? null;
  }

  private async ask(id: string, conn: ConnectOptions): Promise<void> {
    let r = this.conns.get(id);
    try {
      if (!r) {
        r = createConnection({ ...conn, timeoutMs: 200, connectionName: "replscope-drill" });
        this.conns.set(id, r);
        await withTimeout(r.connect(), 200);
      }
      const reply = (await withTimeout(r.call("ROLE"), 200)) as unknown[];
      const role = reply[0] === "master" ? "master" : reply[0] === "slave" ? "replica" : "unknown";
      this.seen.set(id, { role, masterId: role === "replica" ? `${String(reply[1])}:${String(reply[2])}` : null, at: Date.now() });
    } catch {
      this.seen.delete(id);
      r?.disconnect();
      this.conns.delete(id);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      await Promise.all(this.nodes.map((n) => this.ask(n.id, n.conn)));
      await new Promise((r) => setTimeout(r, Math.max(0, this.everyMs - (Date.now() - started))));
    }
  }
}
