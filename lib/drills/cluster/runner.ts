// Runs one drill on a cluster shard from an explicit plan (checkClusterDrill): re-checks the plan
// against a fresh view, starts the canary on a key in the shard's first slot, sends the one
// command, waits — with a deadline, ending on abort — for the cluster to promote, and reports.
// Only the plan's nodes are dialled, each re-checked against `allow` before it is.
import { readClusterNode } from "../../cluster/discover";
import { buildClusterView, type ClusterView } from "../../cluster/model";
import { tagForSlot } from "../../cluster/slot";
import { formatAddress } from "../../redis/address";
import { createConnection, describeRedisError, withTimeout, type ConnectOptions } from "../../redis/connection";
import { CanaryWriter } from "../canary";
import { RoleProbe } from "../role-probe";
import type { DrillStep } from "../types";
import { pause } from "../wait";
import { checkClusterDrill } from "./plan";
import { buildClusterReport, promotedNode, slotOwner } from "./report";
import type { ClusterDrillPlan, ClusterDrillRequest, ClusterDrillResult, ClusterNodeRef } from "./types";
import { ClusterWatch } from "./watch";

export type SendCommand = (conn: ConnectOptions, args: (string | number)[], timeoutMs: number) => Promise<unknown>;

export interface ClusterDrillDeps {
  /** How the seed is reached: its credentials and TLS settings are used for every node of the plan. */
  seed: ConnectOptions;
  /** discovery.allow: an announced host is dialled only when this says so (the seed always is). */
  allow: (host: string) => boolean;
  /** One command on a short-lived connection; tests wrap it. */
  send?: SendCommand;
  /** Every new or changed step; awaited before a command is sent (a write-ahead journal fits here). */
  onStep?: (step: DrillStep, steps: readonly DrillStep[]) => void | Promise<void>;
}

export interface ClusterDrillRun {
  /** Names the canary key; a uuid from the caller. */
  id: string;
  plan: ClusterDrillPlan;
  signal: AbortSignal;
  /** Deadline for the promotion after the command (after the outage for an outage); default 30 s. */
  timeoutMs?: number;
}

export const sendCommand: SendCommand = async (conn, args, timeoutMs) => {
  const r = createConnection({ ...conn, timeoutMs, connectionName: "replscope-drill" });
  try {
    await withTimeout(r.connect(), timeoutMs);
    return await withTimeout(r.call(String(args[0]), ...args.slice(1).map(String)), timeoutMs);
  } catch (err) {
    throw new Error(`${args.join(" ")} on ${conn.host}:${conn.port}: ${describeRedisError(err)}`);
  } finally {
    r.disconnect();
  }
};

const requestOf = (p: ClusterDrillPlan): ClusterDrillRequest => ({
  replicaId: p.replica.id,
  shardMasterId: p.master.id,
  mode: p.mode,
  ...(p.outageMethod ? { outageMethod: p.outageMethod } : {}),
  ...(p.outageMs !== null ? { outageMs: p.outageMs } : {}),
});

/** Polls `ok` on the watch's views read after `since`, until it gives a value, the deadline, or abort. */
async function untilSeen<T>(watch: ClusterWatch, since: number, ok: (v: ClusterView) => T | null, timeoutMs: number, signal: AbortSignal): Promise<{ value: T; at: number } | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() <= deadline) {
    const seen = watch.latest;
    if (seen && seen.at >= since) {
      const value = ok(seen.view);
      if (value !== null) return { value, at: seen.at };
    }
    await pause(25, signal);
  }
  return null;
}

export async function runClusterDrill(run: ClusterDrillRun, deps: ClusterDrillDeps): Promise<ClusterDrillResult> {
  const { plan, signal } = run;
  const send = deps.send ?? sendCommand;
  const steps: DrillStep[] = [];
  const startedAt = Date.now();
  const timeoutMs = run.timeoutMs ?? 30_000;
  const canaryKey = `replscope:drill:${run.id}:canary:${tagForSlot(plan.canarySlot)}`;
  const shardNodes = [plan.master, plan.replica, ...plan.siblings];
  const byId = new Map(shardNodes.map((n) => [n.id, n] as const));

  const connFor = (n: ClusterNodeRef, ms: number): ConnectOptions => {
    // The plan was checked against allow; a changed allow list still wins.
    if (n.address !== formatAddress(deps.seed.host, deps.seed.port) && !deps.allow(n.host)) throw new Error(`${n.address} is not in discovery.allow`);
    return { ...deps.seed, host: n.host, port: n.port, timeoutMs: ms };
  };
  const step = (name: string, status: DrillStep["status"], detail: string): void => {
    const s: DrillStep = { at: Date.now(), name, status, detail };
    steps.push(s);
    void deps.onStep?.(s, steps);
  };
  const act = async (name: string, node: ClusterNodeRef, args: (string | number)[], ms: number): Promise<unknown> => {
    const detail = `${args.join(" ")} on ${node.address} (${node.id})`;
    const s: DrillStep = { at: Date.now(), name, status: "started", detail, command: true };
    steps.push(s);
    await deps.onStep?.(s, steps);
    try {
      const reply = await send(connFor(node, ms), args, ms);
      s.status = "ok";
      return reply;
    } catch (err) {
      s.status = "error";
      s.detail = `${detail}: ${err instanceof Error ? err.message : String(err)}`;
      throw err;
    } finally {
      void deps.onStep?.(s, steps);
    }
  };

  const watch = new ClusterWatch(plan.observer.address, connFor(plan.observer, 1000));
  const probe = new RoleProbe(shardNodes.map((n) => ({ id: n.id, conn: connFor(n, 200) })));
  let preferred = plan.master.id;
  const canary = new CanaryWriter({
    key: canaryKey,
    // While writes fail the canary writes every 10 ms: 20,000 covers the longest outage a plan
    // allows (120 s) with room, and reads back in one HKEYS of short fields (a few ms).
    maxWrites: 20_000,
    target: (exclude) => {
      // The cluster's own answer (who serves the slot) picks among nodes that say ROLE master now;
      // with no fresh ROLE master, the last owner the cluster named still gets the write, as a
      // cluster client would send it.
      const v = watch.fresh(1000);
      const owner = v ? slotOwner(v, plan.canarySlot) : null;
      if (owner && byId.has(owner)) preferred = owner;
      const id = probe.master(preferred, exclude) ?? (exclude.has(preferred) ? null : preferred);
      const node = id ? byId.get(id) : undefined;
      return node ? { id: node.id, conn: connFor(node, 1000) } : null;
    },
  });

  let actionAt: number | null = null;
  let promotedAt: number | null = null;
  let newMaster: string | null = null;
  let epochBefore: number | null = plan.currentEpoch;
  let status: ClusterDrillResult["status"] = "failed";
  let error: string | null = null;
  let paused = false;
  let sleeping: Promise<unknown> | null = null;
  let started = false;
  try {
    step("start", "info", `${plan.mode}${plan.outageMethod ? ` (${plan.outageMethod})` : ""} on the shard of ${plan.master.address} (slots ${plan.slotsText}); touches ${plan.touches.map((t) => t.address).join(", ")}`);
    const fresh = buildClusterView(await readClusterNode(connFor(plan.observer, 2000)));
    const again = checkClusterDrill(fresh, requestOf(plan), { allow: deps.allow });
    if (!again.plan) throw new Error(`the cluster changed since the plan: ${again.refusals.join("; ")}`);
    if (again.plan.master.id !== plan.master.id || again.plan.slotsText !== plan.slotsText) {
      throw new Error(`the cluster changed since the plan: the shard is now ${again.plan.master.id} with slots ${again.plan.slotsText}`);
    }
    epochBefore = fresh.currentEpoch;
    step("checked", "ok", `plan still holds on ${plan.observer.address}; current epoch ${epochBefore ?? "—"}; canary key ${canaryKey} (slot ${plan.canarySlot})`);
    watch.start();
    probe.start();
    canary.start();
    started = true;
    const firstAck = Date.now() + 5000;
    while (!canary.writes.some((w) => w.ackAt !== null)) {
      if (Date.now() > firstAck) throw new Error(`no canary write to ${plan.master.address} was acknowledged within 5000 ms`);
      await pause(20, signal);
    }
    await pause(500, signal);

    const { node, args } = plan.command;
    const outageMs = plan.outageMs ?? 0;
    actionAt = Date.now();
    if (plan.mode !== "outage") {
      await act("failover", node, args, 5000);
    } else if (plan.outageMethod === "pause") {
      await act("outage", node, args, 5000);
      paused = true;
    } else {
      // DEBUG SLEEP answers when the node wakes up; a refusal (DEBUG not enabled) answers at once.
      sleeping = act("outage", node, args, outageMs + 10_000);
      const early = await Promise.race([sleeping.then(() => "replied", (e: unknown) => e), pause(500, signal).then(() => "asleep")]);
      if (early instanceof Error) throw early;
    }

    const deadline = plan.mode === "outage" ? outageMs + (plan.outageMethod === "pause" ? 5000 : timeoutMs) : timeoutMs;
    step("wait", "waiting", `for the cluster to promote ${plan.mode === "outage" ? "a replica of the shard" : plan.replica.address} (up to ${deadline} ms)`);
    const promoted = await untilSeen(watch, actionAt, (v) => promotedNode(v, plan, epochBefore), deadline, signal);
    if (promoted) {
      promotedAt = promoted.at;
      newMaster = promoted.value;
      preferred = newMaster;
      const v = watch.latest!.view;
      step("promoted", "ok", `${byId.get(newMaster)?.address ?? newMaster} serves slots ${plan.slotsText} with config epoch ${v.nodes.find((n) => n.id === newMaster)?.configEpoch ?? "—"} (current epoch ${epochBefore ?? "—"} → ${v.currentEpoch ?? "—"}), ${promoted.at - actionAt} ms after the command`);
      const rest = plan.mode === "outage" ? Math.max(0, actionAt + outageMs - Date.now()) + 15_000 : 15_000;
      const demoted = await untilSeen(watch, promoted.at, (v) => {
        const o = v.nodes.find((n) => n.id === plan.master.id);
        return o?.role === "replica" && o.masterId === newMaster ? true : null;
      }, rest, signal);
      if (demoted) step("old master", "ok", `${plan.master.address} now replicates ${byId.get(newMaster)?.address ?? newMaster}`);
      else step("old master", "info", `${plan.master.address} was not seen as a replica of the new master within ${rest} ms`);
    } else if (plan.mode === "outage" && plan.outageMethod === "pause") {
      newMaster = plan.master.id;
      paused = false;
      step("not promoted", "info", `the cluster kept ${plan.master.address} as master: CLIENT PAUSE does not stop its cluster bus, so no node flagged it failing`);
    } else {
      throw new Error(`timed out after ${deadline} ms waiting for the cluster to promote ${plan.replica.address}`);
    }
    // Let the canary land a few writes on the settled master.
    await pause(1000, signal);
    status = "done";
  } catch (err) {
    status = signal.aborted ? "aborted" : "failed";
    error = signal.aborted ? "aborted by the operator" : err instanceof Error ? err.message : String(err);
    step(signal.aborted ? "abort" : "error", "error", error);
    // CLIENT PAUSE ALL holds CLIENT UNPAUSE too (7.0): the pause cannot be cut short, only named.
    if (paused && actionAt !== null && Date.now() < actionAt + (plan.outageMs ?? 0)) {
      step("outage", "info", `${plan.master.address} stays paused until ${new Date(actionAt + (plan.outageMs ?? 0)).toISOString()} (CLIENT UNPAUSE would wait behind the pause)`);
    } else paused = false;
  } finally {
    if (started) await canary.stop();
    await probe.stop();
    await watch.stop();
  }
  // A DEBUG SLEEP reply comes when the node wakes (bounded by its own deadline).
  await sleeping?.catch(() => undefined);

  let finalView: ClusterView | null = null;
  let present: Set<number> | null = null;
  try {
    finalView = buildClusterView(await readClusterNode(connFor(plan.observer, 2000)));
    const owner = slotOwner(finalView, plan.canarySlot);
    const node = owner ? byId.get(owner) : undefined;
    if (!node) throw new Error(`slot ${plan.canarySlot} is served by ${owner ?? "no master"}, not a node of the shard`);
    newMaster ??= node.id;
    if (paused) {
      step("read back", "info", `skipped: ${node.address} is still paused; the canary key ${canaryKey} holds what it acknowledged`);
    } else if (started) {
      // At most 20,000 short fields (maxWrites): one bounded reply.
      const keys = (await send(connFor(node, 5000), ["HKEYS", canaryKey], 5000)) as string[];
      present = new Set(keys.map(Number));
      step("read back", "ok", `${present.size} canary writes found on ${node.address}, which serves slot ${plan.canarySlot}`);
    }
  } catch (err) {
    step("read back", "error", err instanceof Error ? err.message : String(err));
  }
  const report = buildClusterReport({ plan, canaryKey, startedAt, actionAt, promotedAt, endedAt: Date.now(), newMaster, epochBefore, finalView, writes: canary.writes, present });
  return { status, error, steps, report, writes: canary.writes };
}
