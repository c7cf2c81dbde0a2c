// Pure: "the master died: what now?" — from the views of one topology, who should take over,
// why the others should not, and the exact commands. What Sentinel (when configured) will do, and
// when, comes from the sentinels' own answers.
import type { SentinelView } from "../sentinel/discover";
import { splitAddress } from "../redis/address";
import type { NodeView } from "./types";

export interface PlaybookCandidate {
  id: string;
  offset: number | null;
  why: string;
}

export interface SentinelOutlook {
  /** Sentinels answering us that watch this master. */
  watching: number;
  quorum: number | null;
  /** How many of them flag it s_down / o_down. */
  sDown: number;
  oDown: boolean;
  downAfterMs: number | null;
  failoverState: string | null;
  text: string;
}

export interface Playbook {
  master: string;
  downForMs: number | null;
  candidate: PlaybookCandidate | null;
  /** Replicas that should not be promoted, each with the reason. */
  excluded: { id: string; why: string }[];
  /** Shell commands, in order. */
  commands: string[];
  sentinel: SentinelOutlook | null;
}

function cli(id: string, args: string): string {
  const a = splitAddress(id);
  const host = a ? a.host : id;
  const port = a ? a.port : 0;
  return `redis-cli -h ${host} -p ${port} ${args}`;
}

/** Why a replica must not be promoted, or null when it may be. */
function exclusion(r: NodeView, master: NodeView): string | null {
  if (r.status !== "up") return "not answering";
  if (r.syncInProgress) return "in the middle of a full sync (its data set is incomplete)";
  if (r.readOnly === false) return "writable (replica-read-only no): it may hold writes the master never had";
  if (master.replid && r.replid && r.replid !== master.replid) return "follows a different replication history (diverged replication ID)";
  if (r.priority === 0) return "replica-priority 0 (operators marked it never to be promoted)";
  if (r.replOffset === null) return "offset unknown";
  return null;
}

export function masterDownPlaybook(views: NodeView[], masterId: string, now: number, sentinels: SentinelView[] = []): Playbook | null {
  const master = views.find((v) => v.id === masterId);
  if (!master || master.role !== "master" || master.status !== "down") return null;
  const replicas = views.filter((v) => v.role === "replica" && v.masterId === masterId);
  const excluded: { id: string; why: string }[] = [];
  const eligible: NodeView[] = [];
  for (const r of replicas) {
    const why = exclusion(r, master);
    if (why) excluded.push({ id: r.id, why });
    else eligible.push(r);
  }
  // Most data first; among equals the lower replica-priority, as Sentinel would choose.
  eligible.sort((a, b) => (b.replOffset ?? 0) - (a.replOffset ?? 0) || (a.priority ?? 100) - (b.priority ?? 100) || a.id.localeCompare(b.id));
  const best = eligible[0];
  let candidate: PlaybookCandidate | null = null;
  if (best) {
    const runnerUp = eligible[1];
    const margin =
      runnerUp && runnerUp.replOffset !== null && best.replOffset !== null
        ? best.replOffset === runnerUp.replOffset
          ? `; same offset as ${runnerUp.id}, chosen by replica-priority then address`
          : `; ${best.replOffset - runnerUp.replOffset} bytes ahead of ${runnerUp.id}`
        : "";
    candidate = { id: best.id, offset: best.replOffset, why: `highest processed offset among read-only replicas on the master's history${margin}` };
  }
  const commands: string[] = [];
  if (candidate) {
    const target = splitAddress(candidate.id);
    commands.push(cli(candidate.id, "REPLICAOF NO ONE"));
    for (const r of replicas) {
      if (r.id !== candidate.id && r.status === "up" && target) commands.push(cli(r.id, `REPLICAOF ${target.host} ${target.port}`));
    }
    if (target) commands.push(`# when ${masterId} returns, before it takes writes: ${cli(masterId, `REPLICAOF ${target.host} ${target.port}`)}`);
  }
  return {
    master: masterId,
    downForMs: master.downSince !== null ? Math.max(0, now - master.downSince) : null,
    candidate,
    excluded,
    commands,
    sentinel: sentinelOutlook(masterId, sentinels, master.downSince !== null ? Math.max(0, now - master.downSince) : null),
  };
}

function sentinelOutlook(masterId: string, sentinels: SentinelView[], downForMs: number | null): SentinelOutlook | null {
  // Sentinel brackets IPv6 hosts; node ids do not.
  const bare = (a: string) => a.replace(/^\[(.*)\](:\d+)$/, "$1$2");
  const watching = sentinels.filter((s) => s.status === "up").flatMap((s) => s.masters.filter((m) => bare(m.address) === bare(masterId)));
  if (!sentinels.length) return null;
  const sDown = watching.filter((m) => m.flags.includes("s_down")).length;
  const oDown = watching.some((m) => m.flags.includes("o_down"));
  const quorum = watching[0]?.quorum ?? null;
  const downAfterMs = watching.find((m) => m.downAfterMs !== null && m.downAfterMs !== undefined)?.downAfterMs ?? null;
  const failoverState = watching.find((m) => m.failoverState)?.failoverState ?? null;
  let text: string;
  if (watching.length === 0) text = "no answering sentinel watches this master: nobody will fail over automatically";
  else if (failoverState) text = `Sentinel is failing over now (${failoverState})`;
  else if (oDown) text = `objectively down (quorum ${quorum ?? "?"} reached): Sentinel elects a leader and promotes a replica`;
  else if (sDown > 0) text = `${sDown} of ${watching.length} sentinels see it down; failover starts when ${quorum ?? "?"} agree`;
  else {
    // Our own "not answering since" approximates theirs (their last valid reply came earlier).
    const left = downAfterMs !== null && downForMs !== null ? `; ≈ ${Math.max(0, Math.ceil((downAfterMs - downForMs) / 1000))} s left` : "";
    text = `no sentinel flags it yet: each does after down-after-milliseconds = ${downAfterMs ?? "?"} ms without a valid reply${left}, then ${quorum ?? "?"} must agree`;
  }
  return { watching: watching.length, quorum, sDown, oDown, downAfterMs, failoverState, text };
}
