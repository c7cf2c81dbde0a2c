// What the sentinels believe, as the map shows it: one view per sentinel, and the majority belief per
// master name (used to discover the master and replicas through Sentinel). Pure.
import type { CkquorumResult } from "./parse";

export interface SentinelMasterView {
  name: string;
  /** host:port this sentinel believes is the master. */
  address: string;
  flags: string[];
  quorum: number | null;
  numOtherSentinels: number | null;
  /** down-after-milliseconds: how long without a valid reply before this sentinel flags s_down. */
  downAfterMs?: number | null;
  numReplicas: number | null;
  configEpoch: number | null;
  ckquorum: CkquorumResult;
  /**
   * This sentinel's own failover state ("wait-start", "select-slave", "send-slaveof-noone",
   * "wait-promotion", "reconf-slaves", "update-config"), null when it runs none. Only the leader gets
   * past "wait-start". Polled, and moved live by this sentinel's +failover-state-* events.
   */
  failoverState: string | null;
  replicas: { address: string; flags: string[]; masterLinkStatus: string | null }[];
  otherSentinels: { address: string; flags: string[] }[];
}

export interface SentinelView {
  /** host:port of the sentinel. */
  id: string;
  status: "up" | "down";
  lastError: string | null;
  lastOkAt: number | null;
  downSince: number | null;
  latencyMs: number | null;
  /** Is the PSUBSCRIBE connection up (events arrive live)? */
  subscribed: boolean;
  /** Last successful answer; kept (stale) while the sentinel is down. */
  masters: SentinelMasterView[];
}

export interface DiscoveredMaster {
  name: string;
  /** Where most answering sentinels believe the master is (ties: higher config epoch). */
  address: string;
  replicas: string[];
  /** Sentinels that believe in this address. */
  believedBy: string[];
  /** Answering sentinels that believe in another address (mid-failover, or a split). */
  disagreeing: { sentinel: string; address: string }[];
}

/** Pure: the majority belief of the answering sentinels, per master name. */
export function discoverMasters(views: SentinelView[]): DiscoveredMaster[] {
  const byName = new Map<string, { sentinel: string; master: SentinelMasterView }[]>();
  for (const v of views) {
    if (v.status !== "up") continue;
    for (const m of v.masters) {
      const list = byName.get(m.name) ?? [];
      list.push({ sentinel: v.id, master: m });
      byName.set(m.name, list);
    }
  }
  const out: DiscoveredMaster[] = [];
  for (const [name, beliefs] of byName) {
    const tally = new Map<string, { count: number; epoch: number }>();
    for (const b of beliefs) {
      const t = tally.get(b.master.address) ?? { count: 0, epoch: -1 };
      t.count++;
      t.epoch = Math.max(t.epoch, b.master.configEpoch ?? -1);
      tally.set(b.master.address, t);
    }
    const [address] = [...tally.entries()].sort((a, b) => b[1].count - a[1].count || b[1].epoch - a[1].epoch)[0]!;
    const agreeing = beliefs.filter((b) => b.master.address === address);
    const replicas = new Set<string>();
    for (const b of agreeing) for (const r of b.master.replicas) if (r.address !== address) replicas.add(r.address);
    out.push({
      name,
      address,
      replicas: [...replicas].sort(),
      believedBy: agreeing.map((b) => b.sentinel),
      disagreeing: beliefs.filter((b) => b.master.address !== address).map((b) => ({ sentinel: b.sentinel, address: b.master.address })),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
