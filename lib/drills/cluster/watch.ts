// During a cluster drill, reads CLUSTER INFO + CLUSTER NODES from the observer every 100 ms on one
// connection (two small replies), so promotion, epochs and the old master's new role are seen as the
// cluster sees them within a poll. Each read has a deadline; a failed read just leaves the last view
// to age out. Lasts only while the drill runs.
import type Redis from "ioredis";
import { buildClusterView, type ClusterView } from "../../cluster/model";
import { createConnection, withTimeout, type ConnectOptions } from "../../redis/connection";

export interface SeenView {
  view: ClusterView;
  at: number;
}

export class ClusterWatch {
  latest: SeenView | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly address: string,
    private readonly conn: ConnectOptions,
    private readonly everyMs = 100,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** The last view if it was read within `maxAgeMs`. */
  fresh(maxAgeMs = 2000): ClusterView | null {
    return this.latest && Date.now() - this.latest.at <= maxAgeMs ? this.latest.view : null;
  }

  private async run(): Promise<void> {
    let r: Redis | null = null;
    const timeout = this.conn.timeoutMs;
    while (!this.stopped) {
      const started = Date.now();
      try {
        if (!r) {
          r = createConnection({ ...this.conn, connectionName: "replscope-drill" });
          await withTimeout(r.connect(), timeout);
        }
        const info = await withTimeout(r.call("CLUSTER", "INFO"), timeout);
        const nodes = await withTimeout(r.call("CLUSTER", "NODES"), timeout);
        if (typeof info === "string" && typeof nodes === "string") {
          this.latest = { view: buildClusterView({ address: this.address, info, nodes }), at: Date.now() };
        }
      } catch {
        r?.disconnect();
        r = null;
      }
      await new Promise((res) => setTimeout(res, Math.max(0, this.everyMs - (Date.now() - started))));
    }
    r?.disconnect();
  }
}
