// The plan check of a cluster drill (pure): from one ClusterView and the operator's choice, what
// the drill will do — which shard, which slots, which command to which node, whose view it follows
// — or why it must not run. Nothing is sent without the plan this returns.
import { formatRanges, type ClusterNodeView, type ClusterView } from "../../cluster/model";
import { splitAddress } from "../../redis/address";
import type { ClusterDrillCheck, ClusterDrillRequest, ClusterNodeRef } from "./types";

export interface PlanContext {
  /** Which announced hosts may be dialled (discovery.allow); the seed itself always may. */
  allow: (host: string) => boolean;
  /** The replica's own replication link (INFO replication master_link_status), when read. */
  replicaLinkUp?: boolean | null;
  /** cluster-node-timeout, when known: an outage shorter than a few of these may end before any failover. */
  nodeTimeoutMs?: number | null;
}

const DEFAULT_OUTAGE_MS = 10_000;
const MAX_OUTAGE_MS = 120_000;

function ref(n: ClusterNodeView | undefined): ClusterNodeRef | null {
  const a = n?.address ? splitAddress(n.address) : null;
  return n && n.address && a ? { id: n.id, address: n.address, host: a.host, port: a.port } : null;
}

const overlaps = (a: readonly [number, number], b: readonly [number, number]) => a[0] <= b[1] && b[0] <= a[1];

export function checkClusterDrill(view: ClusterView, req: ClusterDrillRequest, ctx: PlanContext): ClusterDrillCheck {
  const refusals: string[] = [];
  const warnings: string[] = [];
  const refuse = (why: string): ClusterDrillCheck => ({ plan: null, refusals: [...refusals, why] });
  const byId = new Map(view.nodes.map((n) => [n.id, n] as const));
  const mayDial = (r: ClusterNodeRef) => r.address === view.seed || ctx.allow(r.host);

  if (view.state !== "ok") refusals.push(`cluster_state is ${view.state}, not ok`);
  const replicaNode = byId.get(req.replicaId);
  if (!replicaNode) return refuse(`node ${req.replicaId} is not in the cluster as ${view.seed} sees it`);
  if (replicaNode.role !== "replica") return refuse(`${req.replicaId} is a ${replicaNode.role}, not a replica: choose one of its replicas`);
  if (req.shardMasterId && replicaNode.masterId !== req.shardMasterId) return refuse(`${req.replicaId} is a replica of another shard (its master is ${replicaNode.masterId ?? "—"}, not ${req.shardMasterId})`);
  const masterNode = replicaNode.masterId ? byId.get(replicaNode.masterId) : undefined;
  const shard = view.shards.find((s) => s.masterId === replicaNode.masterId);
  if (!masterNode || !shard || shard.slotCount === 0) return refuse(`${req.replicaId} is not in a shard: its master ${replicaNode.masterId ?? "—"} serves no slots`);
  const replica = ref(replicaNode);
  const master = ref(masterNode);
  if (!replica || !master) return refuse(`no usable announced address for ${replica ? master?.id ?? masterNode.id : replicaNode.id}`);
  const siblings = shard.replicaIds.filter((id) => id !== replica.id).flatMap((id) => ref(byId.get(id)) ?? []);

  if (replicaNode.failure !== "ok") refusals.push(`the replica ${replica.id} is flagged ${replicaNode.failure.toUpperCase()}`);
  if (replicaNode.flags.includes("handshake") || replicaNode.flags.includes("noaddr")) refusals.push(`the replica ${replica.id} is still joining (${replicaNode.flags.join(",")})`);
  const masterTrouble = masterNode.failure !== "ok" ? `its master ${master.id} is flagged ${masterNode.failure.toUpperCase()}` : masterNode.linkState === "disconnected" ? `the seed's link to its master ${master.id} is down` : ctx.replicaLinkUp === false ? `the replica's replication link to ${master.id} is down` : null;
  if (masterTrouble && req.mode === "failover") refusals.push(`${masterTrouble}: a default CLUSTER FAILOVER needs the master to take part (FORCE or TAKEOVER do not)`);
  else if (masterTrouble && req.mode === "outage") refusals.push(`${masterTrouble} already: nothing left to take down`);
  else if (masterTrouble) warnings.push(masterTrouble);

  const touched = new Set([master.id, replica.id]);
  const migrating = view.migrations.filter((m) => touched.has(m.from) || touched.has(m.to) || shard.slots.some((r) => overlaps(r, [m.slot, m.slot])));
  if (migrating.length) refusals.push(`a slot migration involves this shard (slot ${migrating.map((m) => m.slot).slice(0, 5).join(", ")}): finish it first`);

  // An election needs a majority of the masters that serve slots; TAKEOVER needs no votes, and a
  // frozen master cannot vote for its own replica's election.
  const voters = view.nodes.filter((n) => n.role === "master" && n.slotCount > 0);
  const needed = Math.floor(voters.length / 2) + 1;
  const able = voters.filter((n) => n.failure === "ok" && !(req.mode === "outage" && n.id === master.id)).length;
  if (req.mode !== "takeover" && able < needed) refusals.push(`only ${able} of ${voters.length} slot-serving masters could vote, ${needed} needed: the election cannot succeed`);
  if (req.mode === "outage" && replicaNode.flags.includes("nofailover") && siblings.length === 0) refusals.push(`${replica.id} has cluster-replica-no-failover set and no other replica can take over`);

  let outageMs: number | null = null;
  const method = req.mode === "outage" ? (req.outageMethod ?? "pause") : null;
  if (req.mode === "outage") {
    outageMs = req.outageMs ?? DEFAULT_OUTAGE_MS;
    if (!Number.isInteger(outageMs) || outageMs < 1000 || outageMs > MAX_OUTAGE_MS) refusals.push(`outageMs must be 1000-${MAX_OUTAGE_MS}, got ${req.outageMs}`);
    if (method === "pause") warnings.push("CLIENT PAUSE stops clients, not the cluster bus: the cluster will keep the master and not fail over; the drill shows what clients see");
    if (method === "sleep") warnings.push(`DEBUG SLEEP freezes ${master.address} entirely (needs enable-debug-command on it); writes it queued may be acknowledged when it wakes and then lost`);
    if (ctx.nodeTimeoutMs && outageMs < ctx.nodeTimeoutMs * 3) warnings.push(`the outage (${outageMs} ms) is short against cluster-node-timeout ${ctx.nodeTimeoutMs} ms: the cluster may not fail over before it ends`);
  }
  if (view.coverage.uncovered.length) warnings.push(`slots ${formatRanges(view.coverage.uncovered)} are not served by any master`);
  const failing = view.nodes.filter((n) => n.failure !== "ok" && n.id !== master.id && n.id !== replica.id);
  if (failing.length) warnings.push(`${failing.length} other node(s) flagged PFAIL/FAIL: ${failing.map((n) => n.id.slice(0, 8)).join(", ")}`);

  const inShard = new Set([master.id, replica.id, ...siblings.map((s) => s.id)]);
  const seedRef = ref(view.nodes.find((n) => n.address === view.seed) ?? (view.seedNodeId ? byId.get(view.seedNodeId) : undefined));
  // A node of the affected shard may freeze or change role: the drill watches the cluster from elsewhere.
  const observer =
    seedRef && !inShard.has(seedRef.id)
      ? seedRef
      : view.nodes
          .filter((n) => !inShard.has(n.id) && n.role === "master" && n.failure === "ok")
          .flatMap((n) => ref(n) ?? [])
          .find(mayDial) ?? null;
  if (!observer) refusals.push("no node outside this shard may be dialled to watch the cluster from (discovery.allow)");
  const touches = [master, replica, ...siblings, ...(observer ? [observer] : [])];
  for (const t of touches) if (!mayDial(t)) refusals.push(`${t.address} (${t.id}) is not in discovery.allow`);

  const args: (string | number)[] =
    req.mode === "failover" ? ["CLUSTER", "FAILOVER"]
    : req.mode === "force" ? ["CLUSTER", "FAILOVER", "FORCE"]
    : req.mode === "takeover" ? ["CLUSTER", "FAILOVER", "TAKEOVER"]
    : method === "sleep" ? ["DEBUG", "SLEEP", (outageMs ?? DEFAULT_OUTAGE_MS) / 1000]
    : ["CLIENT", "PAUSE", outageMs ?? DEFAULT_OUTAGE_MS, "ALL"];
  if (refusals.length || !observer) return { plan: null, refusals };
  return {
    refusals: [],
    plan: {
      mode: req.mode,
      outageMethod: method,
      outageMs,
      replica,
      master,
      siblings,
      slots: shard.slots,
      slotsText: formatRanges(shard.slots),
      canarySlot: shard.slots[0]![0],
      command: { node: req.mode === "outage" ? master : replica, args },
      observer,
      touches,
      currentEpoch: view.currentEpoch,
      warnings,
    },
  };
}
