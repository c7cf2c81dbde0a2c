// Several instances, the work side: this instance's coordinator decides which topologies it polls;
// a topology it acquires gets a fresh monitor started from the previous owner's node states, one
// it loses is stopped before the lease is let go. While it polls, node states are left for the
// next owner: a node's state whenever its poll produced an event, and every node every 5 s.
import { setTimeout as sleep } from "node:timers/promises";
import type Redis from "ioredis";
import type { MonitorHub } from "../monitor/hub";
import type { NodeState } from "../monitor/types";
import { FleetCoordinator, type LostReason } from "./coordinator";
import { fleetOn, type Fleet } from "./fleet";
import { readHandover, writeHandover } from "./handover";
import { AlertLedger } from "./alert-ledger";
import { holdEventSlot } from "./event-ids";

export interface FleetServeOptions {
  redis: Redis;
  hub: MonitorHub;
  id?: string;
  /** A label for people (instances page). */
  address: string;
  /** Called after a topology starts or stops being polled here (the view feed forgets its copy). */
  onPolled?: (topology: string, polled: boolean) => void;
  /** The timeline id slot this instance holds (lib/fleet/event-ids): renewed with the node states. */
  eventSlot?: number;
  /** A topology not to hand over to a rebalance yet (a drill runs on it here). */
  keep?: (topology: string) => boolean;
  periodMs?: number;
  leaseTtlMs?: number;
  memberTtlMs?: number;
  log?: (m: string) => void;
}

const FULL_HANDOVER_MS = 5000;

/** CLIENT LIST on a monitored server names the instance that polls it (client names allow no spaces). */
export function clientName(instanceId: string): string {
  return `replscope@${instanceId.replace(/[^A-Za-z0-9._:@-]/g, "_").slice(0, 100)}`;
}

/** When a state was last read from its node (the newer of two states wins). */
const freshness = (s: NodeState): number => Math.max(s.answeredAt ?? 0, s.lastOkAt ?? 0, s.downSince ?? 0);

export interface FleetServing {
  fleet: Fleet;
  start(): void;
  /** Graceful: stops polling, leaves final states, releases every lease so others take over at once. */
  stop(): Promise<void>;
}

export function serveFleet(o: FleetServeOptions): FleetServing {
  const log = o.log ?? ((m: string) => console.warn(`replscope fleet: ${m}`));
  const tokens = new Map<string, number>();
  /**
   * The last node states of each topology this instance stopped polling. If it takes one back and
   * the coordination Redis has none (it restarted empty) or older ones, these are the baseline.
   */
  const kept = new Map<string, NodeState[]>();
  const writeFailed = (t: string) => (err: unknown) => log(`leaving node states of ${t} failed: ${err instanceof Error ? err.message : String(err)}`);

  const coordinator = new FleetCoordinator({
    redis: o.redis,
    address: o.address,
    id: o.id,
    topologies: () => [...o.hub.configs.keys()],
    periodMs: o.periodMs,
    leaseTtlMs: o.leaseTtlMs,
    memberTtlMs: o.memberTtlMs,
    keep: o.keep,
    log,
    onRetoken: (lease) => {
      tokens.set(lease.topology, lease.token);
      // The coordination Redis came back without its data: leave the node states there again now.
      const m = o.hub.get(lease.topology);
      if (m) writeHandover(o.redis, lease.topology, lease.token, m.nodeStates(), "replace").catch(writeFailed(lease.topology));
      m?.alerts.restoreLedger().catch(writeFailed(lease.topology));
    },
    onOwned: async (lease) => {
      // Without the old owner's states the monitor starts fresh (first polls read as discoveries).
      const handover = await readHandover(o.redis, lease.topology).catch((err: unknown) => {
        log(`reading node states of ${lease.topology} failed (${err instanceof Error ? err.message : String(err)}); starting fresh`);
        return new Map();
      });
      for (const s of kept.get(lease.topology) ?? []) {
        const there = handover.get(s.id);
        if (!there || freshness(s) > freshness(there)) handover.set(s.id, s);
      }
      kept.delete(lease.topology);
      // The lease may have been lost while reading.
      if (!lease.isValid()) return;
      tokens.set(lease.topology, lease.token);
      o.onPolled?.(lease.topology, true);
      o.hub.activate(lease.topology, {
        // Alerts are announced once across instances, fenced by whatever token this instance holds.
        alertLedger: new AlertLedger(o.redis, lease.topology, () => tokens.get(lease.topology) ?? lease.token),
        handover,
        connectionName: clientName(coordinator.id),
      });
    },
    onLost: async (topology: string, reason: LostReason) => {
      const monitor = o.hub.get(topology);
      o.hub.deactivate(topology);
      if (monitor) kept.set(topology, monitor.nodeStates());
      o.onPolled?.(topology, false);
      const token = tokens.get(topology);
      tokens.delete(topology);
      // Still the holder (rebalanced or stopping): leave the last states for the next owner.
      if (monitor && token !== undefined && (reason === "released" || reason === "stopped")) {
        await writeHandover(o.redis, topology, token, monitor.nodeStates(), "replace").catch(writeFailed(topology));
      }
    },
  });

  // A node whose poll produced events: its state now, so the next owner does not repeat them.
  const offChange = o.hub.onChange((topology, change) => {
    if (!change.events.length) return;
    const token = tokens.get(topology);
    const state = o.hub.get(topology)?.state(change.nodeId);
    if (token === undefined || !state) return;
    writeHandover(o.redis, topology, token, [state], "merge").catch(writeFailed(topology));
  });

  const stopCtl = new AbortController();
  async function fullHandoverLoop(): Promise<void> {
    while (!stopCtl.signal.aborted) {
      // Rejects when stopped (the loop condition then ends it); no listener is left behind.
      await sleep(FULL_HANDOVER_MS, undefined, { signal: stopCtl.signal }).catch(() => undefined);
      if (o.eventSlot !== undefined) await holdEventSlot(o.redis, o.eventSlot, coordinator.id).catch(() => undefined);
      for (const [topology, token] of [...tokens]) {
        if (stopCtl.signal.aborted) return;
        const m = o.hub.get(topology);
        if (m) await writeHandover(o.redis, topology, token, m.nodeStates(), "replace").catch(writeFailed(topology));
      }
    }
  }

  const fleet = fleetOn(o.redis, coordinator, () => [...o.hub.configs.keys()]);
  let loop: Promise<void> | null = null;
  return {
    fleet,
    start() {
      coordinator.start();
      loop ??= fullHandoverLoop();
    },
    async stop() {
      stopCtl.abort();
      offChange();
      await loop;
      await coordinator.stop({ release: true });
    },
  };
}
