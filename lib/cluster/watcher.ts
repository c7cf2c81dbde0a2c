// Watches one Redis Cluster for a topology. One self-scheduling loop (never overlapping; every
// command bounded by the timeout, so a dead or frozen node only delays its own read): first asks
// the seeds whether they run in cluster mode (INFO cluster), then every `everyMs` reads CLUSTER
// INFO/NODES/SHARDS from one node — the last one that answered, else a seed, else any other node
// the cluster announced and the operator allows — so a dead seed never blinds it. The other masters
// are asked only for CLUSTER NODES (a migration shows in the migrating node's own line only), the
// sources of migrating slots for COUNTKEYSINSLOT (≤ 64 slots per round), and the reader for
// COUNT-FAILURE-REPORTS of the nodes it flags. Announced addresses are data: only dialPlan's are dialled.
import type Redis from "ioredis";
import { setTimeout as sleep } from "node:timers/promises";
import { formatAddress } from "../redis/address";
import { connectionError, createConnection, describeRedisError, withTimeout, type ConnectOptions } from "../redis/connection";
import { exponentialBackoff } from "../retry/backoff";
import { diffCluster, type ClusterEvent } from "./diff";
import { dialPlan, type DialPlan } from "./discover";
import { MigrationTracker, migrationKey, type MigrationProgress } from "./migrations";
import { buildClusterView, type ClusterNodeReading, type ClusterView, type FailureState } from "./model";

export interface ClusterWatcherOptions {
  topology: string;
  seeds: { host: string; port: number }[];
  /** Config `cluster: true`: no probe, the seeds are cluster nodes. */
  forced: boolean;
  /** Connection options (credentials, TLS) for a node of this topology. */
  connect(host: string, port: number): ConnectOptions;
  /** The topology's allow list (seeds and configured nodes always pass). */
  mayDial(host: string, port: number): boolean;
  everyMs?: number;
  /** Called after every successful round, with what changed since the previous one. */
  onView(view: ClusterView, events: ClusterEvent[], at: number): void;
}

export interface FailureReport {
  id: string;
  address: string | null;
  failure: Exclude<FailureState, "ok">;
  /** CLUSTER COUNT-FAILURE-REPORTS as the reader counts them; null when not read. */
  reports: number | null;
}

export interface ClusterStatus {
  /** "probing" until a seed answers INFO cluster; "not-cluster" ends the watcher. */
  mode: "probing" | "cluster" | "not-cluster";
  /** The latest view (kept, greyed by its age, while no node answers). */
  view: ClusterView | null;
  readAt: number | null;
  /** The node the view was read from. */
  readFrom: string | null;
  /** Why the latest round read nothing (null when it read a view). */
  lastError: string | null;
  errorSince: number | null;
  migrations: MigrationProgress[];
  failureReports: FailureReport[];
  /** Announced nodes not dialled (outside discovery.allow, no address). */
  refused: DialPlan["refused"];
}

const MAX_CANDIDATES = 8;
const MAX_COUNT_SLOTS = 64;
const MAX_FAILURE_REPORTS = 32;
/** Masters asked for their own CLUSTER NODES line per round. */
const MAX_MASTER_READS = 128;

/**
 * After a readSoon, a few quick rounds: the node read first may still believe the old master for
 * a few hundred ms (gossip), and the next regular round would be up to everyMs away.
 */
const FOLLOW_UPS = 4;
const FOLLOW_UP_MS = 250;

export class ClusterWatcher {
  private readonly abort = new AbortController();
  /** Ends the current wait early (readSoon); a call during a round makes the next round start at once. */
  private wake = new AbortController();
  private soon = false;
  /** Rounds left at FOLLOW_UP_MS after a readSoon: the node read may not have heard the news yet. */
  private followUps = 0;
  private readonly conns = new Map<string, Redis>();
  private readonly tracker = new MigrationTracker();
  private started = false;
  private lastGood: string | null = null;
  /** Rotates COUNTKEYSINSLOT over migrations when more than MAX_COUNT_SLOTS run at once. */
  private countCursor = 0;
  /** Addresses used in the current round. */
  private readonly touched = new Set<string>();
  private readonly everyMs: number;
  private status: ClusterStatus;

  constructor(private readonly o: ClusterWatcherOptions) {
    this.everyMs = o.everyMs ?? 2000;
    this.status = { mode: o.forced ? "cluster" : "probing", view: null, readAt: null, readFrom: null, lastError: null, errorSince: null, migrations: [], failureReports: [], refused: [] };
  }

  get topology(): string {
    return this.o.topology;
  }

  start(): void {
    if (this.started || this.abort.signal.aborted) return;
    this.started = true;
    void this.loop();
  }

  stop(): void {
    this.abort.abort();
    this.wake.abort();
    for (const r of this.conns.values()) r.disconnect();
    this.conns.clear();
  }

  /** Reads the cluster again now (e.g. a node poll saw a role change), not at the next period. */
  readSoon(): void {
    this.soon = true;
    this.followUps = FOLLOW_UPS;
    this.wake.abort();
  }

  /** The current status (a shallow copy; the view is replaced, never mutated). */
  current(): ClusterStatus {
    return { ...this.status };
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      const started = Date.now();
      let ok = false;
      try {
        if (this.status.mode === "probing") ok = await this.probe();
        else ok = await this.round();
      } catch (err) {
        console.error(`replscope: cluster watcher (${this.o.topology}) failed`, err);
      }
      if (signal.aborted || this.status.mode === "not-cluster") break;
      failures = ok ? 0 : failures + 1;
      let waitMs = ok ? this.everyMs : exponentialBackoff(failures - 1, { baseMs: Math.min(this.everyMs, 1000), capMs: this.everyMs });
      if (this.followUps > 0) {
        this.followUps--;
        waitMs = Math.min(waitMs, FOLLOW_UP_MS);
      }
      if (this.soon) {
        this.soon = false;
        this.wake = new AbortController();
        continue;
      }
      // One signal per wait (stop() aborts it too): no AbortSignal.any, whose composites Node 20
      // keeps alive for as long as their long-lived source.
      try {
        await sleep(Math.max(0, waitMs - (Date.now() - started)), undefined, { signal: this.wake.signal });
      } catch {
        if (signal.aborted) break;
        this.soon = false;
        this.wake = new AbortController();
      }
    }
    this.stop();
  }

  private conn(address: string, host: string, port: number): Redis {
    let r = this.conns.get(address);
    if (!r) {
      r = createConnection({ ...this.o.connect(host, port), connectionName: "replscope-cluster" });
      this.conns.set(address, r);
    }
    return r;
  }

  private drop(address: string): void {
    this.conns.get(address)?.disconnect();
    this.conns.delete(address);
  }

  /** Runs `cmd` on a node with the topology's timeout; a failure replaces the connection next time. */
  private async call(host: string, port: number, args: string[]): Promise<unknown> {
    const address = formatAddress(host, port);
    this.touched.add(address);
    const r = this.conn(address, host, port);
    const t = this.o.connect(host, port).timeoutMs;
    try {
      if (r.status === "wait") await withTimeout(r.connect(), t);
      return await withTimeout(r.call(args[0]!, ...args.slice(1)), t);
    } catch (err) {
      this.drop(address);
      throw new Error(`${address}: ${describeRedisError(connectionError(r, err))}`);
    }
  }

  /** INFO cluster on the seeds, first answer wins. True once the question is settled. */
  private async probe(): Promise<boolean> {
    const errors: string[] = [];
    for (const s of this.o.seeds) {
      try {
        const info = await this.call(s.host, s.port, ["INFO", "cluster"]);
        const enabled = typeof info === "string" && /^cluster_enabled:1\s*$/m.test(info);
        if (!enabled) {
          this.status = { ...this.status, mode: "not-cluster" };
          return true;
        }
        this.status = { ...this.status, mode: "cluster" };
        return await this.round();
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    this.failed(errors);
    return false;
  }

  private failed(errors: string[]): void {
    const now = Date.now();
    this.status = { ...this.status, lastError: errors.length ? `no cluster node answered: ${errors.slice(0, 4).join("; ")}` : "no cluster node to ask", errorSince: this.status.errorSince ?? now };
  }

  /** Where to read the view from, in order of preference; only allowed addresses. */
  private candidates(): { host: string; port: number }[] {
    const out = new Map<string, { host: string; port: number }>();
    const add = (host: string, port: number) => {
      if (out.size < MAX_CANDIDATES && this.o.mayDial(host, port)) out.set(formatAddress(host, port), { host, port });
    };
    const last = this.lastGood ? this.status.view && dialPlan(this.status.view, () => true).dial.find((n) => n.address === this.lastGood) : undefined;
    if (last) add(last.host, last.port);
    for (const s of this.o.seeds) add(s.host, s.port);
    if (this.status.view) {
      // Masters first: they hold the freshest failure agreement.
      const plan = dialPlan(this.status.view, () => true).dial;
      const role = new Map(this.status.view.nodes.map((n) => [n.id, n]));
      const healthy = plan.filter((n) => role.get(n.id)?.failure === "ok");
      for (const n of healthy.filter((n) => role.get(n.id)?.role === "master")) add(n.host, n.port);
      for (const n of healthy) add(n.host, n.port);
    }
    return [...out.values()];
  }

  private async readNode(host: string, port: number): Promise<ClusterNodeReading> {
    const info = await this.call(host, port, ["CLUSTER", "INFO"]);
    const nodes = await this.call(host, port, ["CLUSTER", "NODES"]);
    if (typeof info !== "string" || typeof nodes !== "string") throw new Error(`${formatAddress(host, port)}: CLUSTER INFO/NODES gave no text`);
    // CLUSTER SHARDS only exists from 7.0; older servers answer "unknown subcommand".
    const shards = await this.call(host, port, ["CLUSTER", "SHARDS"]).catch((err: unknown) => {
      if (/unknown subcommand|unknown command/i.test(String((err as Error)?.message))) return undefined;
      throw err;
    });
    return { address: formatAddress(host, port), info, nodes, shards };
  }

  /** One reading of the cluster. True when some node answered. */
  private async round(): Promise<boolean> {
    const errors: string[] = [];
    let seed: ClusterNodeReading | null = null;
    let from: { host: string; port: number } | null = null;
    for (const c of this.candidates()) {
      if (this.abort.signal.aborted) return false;
      try {
        seed = await this.readNode(c.host, c.port);
        from = c;
        break;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (!seed || !from) {
      this.closeUntouched();
      this.failed(errors);
      return false;
    }
    const first = buildClusterView(seed);
    // dialPlan judges hosts; mayDial also lets through the exact addresses the operator named.
    const plan = dialPlan(first, () => true);
    const allowed = plan.dial.filter((n) => this.o.mayDial(n.host, n.port));
    const refused = [...plan.refused, ...plan.dial.filter((n) => !this.o.mayDial(n.host, n.port)).map((n) => ({ id: n.id, address: n.address, reason: `${n.host} is not in discovery.allow` }))];
    const byId = new Map(allowed.map((n) => [n.id, n]));

    // The other masters' own lines carry their migrations.
    const nodeById = new Map(first.nodes.map((n) => [n.id, n]));
    const masters = allowed
      .filter((n) => n.id !== first.seedNodeId && nodeById.get(n.id)?.role === "master" && nodeById.get(n.id)?.failure !== "fail")
      .slice(0, MAX_MASTER_READS);
    const others = (
      await Promise.all(
        masters.map(async (n): Promise<ClusterNodeReading | null> => {
          try {
            const nodes = await this.call(n.host, n.port, ["CLUSTER", "NODES"]);
            return typeof nodes === "string" ? { address: n.address, info: "", nodes } : null;
          } catch {
            return null;
          }
        }),
      )
    ).filter((r): r is ClusterNodeReading => r !== null);
    const view = buildClusterView(seed, others);

    const counts = await this.countKeys(view, byId);
    const failureReports = await this.failureReports(view, from);
    const at = Date.now();
    const addressOf = (id: string) => view.nodes.find((n) => n.id === id)?.address ?? null;
    const migrations = this.tracker.update(view.migrations, counts, at, addressOf);
    const prev = this.status.view;
    const events = prev ? diffCluster(prev, view) : [];
    this.lastGood = seed.address;
    this.status = { mode: "cluster", view, readAt: at, readFrom: seed.address, lastError: null, errorSince: null, migrations, failureReports, refused };
    this.closeUntouched();
    this.o.onView(view, events, at);
    return true;
  }

  /** COUNTKEYSINSLOT on each migration's source (O(1) in Redis 7), at most MAX_COUNT_SLOTS per round. */
  private async countKeys(view: ClusterView, byId: Map<string, { host: string; port: number }>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // Only a source that says MIGRATING still holds the slot's keys; asked otherwise it answers 0
    // for a slot it does not own, which would read as "done".
    const list = view.migrations.filter((m) => m.seenBy.includes("source"));
    if (!list.length) return out;
    const start = this.countCursor % list.length;
    const chosen = [...list.slice(start), ...list.slice(0, start)].slice(0, MAX_COUNT_SLOTS);
    this.countCursor = start + chosen.length;
    await Promise.all(
      chosen.map(async (m) => {
        const src = byId.get(m.from);
        if (!src) return;
        try {
          const n = await this.call(src.host, src.port, ["CLUSTER", "COUNTKEYSINSLOT", String(m.slot)]);
          if (typeof n === "number") out.set(migrationKey(m), n);
        } catch {
          // Shown as "keys left unknown"; the next round asks again.
        }
      }),
    );
    return out;
  }

  private async failureReports(view: ClusterView, reader: { host: string; port: number }): Promise<FailureReport[]> {
    const flagged = view.nodes.filter((n) => n.failure !== "ok").slice(0, MAX_FAILURE_REPORTS);
    return Promise.all(
      flagged.map(async (n): Promise<FailureReport> => {
        let reports: number | null = null;
        try {
          const r = await this.call(reader.host, reader.port, ["CLUSTER", "COUNT-FAILURE-REPORTS", n.id]);
          if (typeof r === "number") reports = r;
        } catch {
          reports = null;
        }
        return { id: n.id, address: n.address, failure: n.failure as FailureReport["failure"], reports };
      }),
    );
  }

  /** Connections not used this round are closed (nodes gone, seed fallen back): bounded by the nodes read. */
  private closeUntouched(): void {
    for (const [address] of [...this.conns]) if (!this.touched.has(address)) this.drop(address);
    this.touched.clear();
  }
}
