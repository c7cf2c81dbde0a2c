// The four drill scenarios as step sequences. Each step has a deadline; every wait ends on abort.
import type { TopologyMonitor } from "../monitor/topology-monitor";
import { splitAddress } from "../redis/address";
import { createConnection, describeRedisError, withTimeout } from "../redis/connection";
import { pause, until } from "./wait";
import type { Drill, DrillPlan, DrillStep, ReplicationScenario } from "./types";

export interface DrillContext {
  monitor: TopologyMonitor;
  drill: Drill;
  plan: DrillPlan;
  signal: AbortSignal;
  step: (name: string, status: DrillStep["status"], detail: string) => void;
  /** Runs something that changes the topology, recorded (on disk) as step `name` before it starts. */
  act: <T>(name: string, detail: string, run: () => Promise<T>) => Promise<T>;
  /** Writes the steps of commands about to be sent back to back, in one save (see DrillJournal). */
  intend: (commands: { name: string; node: string; args: (string | number)[] }[]) => Promise<void>;
  /** One command to a node, as an `act` step "ARGS on node". */
  command: (name: string, node: string, args: (string | number)[], timeoutMs?: number) => Promise<unknown>;
  /** Which master the canary should prefer while two claim the role. */
  setPreferredMaster: (id: string) => void;
  actionAt: number | null;
  newMaster: string | null;
  secondIdGap: number | null;
}

/** Drill ids always come from the monitor's own views, so they always split. */
const hostPort = (id: string): { host: string; port: number } => {
  const a = splitAddress(id);
  if (!a) throw new Error(`not a host:port node id: ${id}`);
  return a;
};

/** Replicas that followed the old master: after the change they must follow the new one. */
function followersOf(ctx: DrillContext, master: string): string[] {
  return ctx.monitor.views().filter((v) => v.masterId === master && v.id !== ctx.newMaster).map((v) => v.id);
}

async function repoint(ctx: DrillContext, nodes: string[], to: string): Promise<void> {
  const { host, port } = hostPort(to);
  for (const n of nodes) {
    try {
      await ctx.command("re-point", n, ["REPLICAOF", host, port]);
    } catch (err) {
      // An offline replica cannot be re-pointed now; Redis or Sentinel will have to do it later.
      if (!ctx.plan.offline.includes(n)) throw err;
      ctx.step("re-point", "info", `${n} is offline (it was before the drill): left for Redis or Sentinel to re-point`);
    }
  }
}

/** Everything the drill re-pointed follows the new master with its link up and no resync pending. */
async function settle(ctx: DrillContext, all: string[], to: string): Promise<void> {
  // A replica that was already offline when the drill started (forced past the pre-checks) is not
  // waited for: the drill reports it as it ends up.
  const nodes = all.filter((n) => !ctx.plan.offline.includes(n));
  const skipped = all.filter((n) => ctx.plan.offline.includes(n));
  if (skipped.length) ctx.step("wait", "info", `not waiting for ${skipped.join(", ")}: offline before the drill started`);
  ctx.step("wait", "waiting", `for ${nodes.length ? nodes.join(", ") : "the new master"} to settle under ${to}`);
  await until(
    "the replicas to settle under the new master",
    ctx,
    (vs) =>
      vs.some((v) => v.id === to && v.role === "master" && v.status === "up") &&
      nodes.every((n) => {
        const v = vs.find((x) => x.id === n);
        return v?.status === "up" && v.masterId === to && v.linkStatus === "up" && !v.resyncing;
      }),
    ctx.drill.options.timeoutMs ?? 30_000,
  );
  ctx.step("settled", "ok", `${to} is master; ${nodes.length} node(s) online under it`);
}

function offsetOf(ctx: DrillContext, id: string): number | null {
  return ctx.monitor.state(id)?.repl?.masterReplOffset ?? null;
}

/** How far the old master's history ran past the point where the new master's second ID ends. */
function secondIdGap(ctx: DrillContext, oldMasterOffset: number | null, newMaster: string): number | null {
  const second = ctx.monitor.state(newMaster)?.repl?.secondReplOffset;
  if (oldMasterOffset === null || second === null || second === undefined || second < 0) return null;
  return Math.max(0, oldMasterOffset + 1 - second);
}

async function promote(ctx: DrillContext): Promise<void> {
  const target = ctx.plan.target!;
  const old = ctx.plan.oldMaster;
  const others = followersOf(ctx, old).filter((id) => id !== target);
  // The siblings must follow the new master before the old one takes more writes (those would
  // push them past the new master's second ID: a full resync). One save for the whole sequence.
  const { host, port } = hostPort(target);
  const repointed = ctx.drill.options.includeOldMaster ? [...others, old] : others;
  await ctx.intend([{ name: "promote", node: target, args: ["REPLICAOF", "NO", "ONE"] }, ...repointed.map((n) => ({ name: "re-point", node: n, args: ["REPLICAOF", host, port] }))]);
  ctx.actionAt = Date.now();
  ctx.newMaster = target;
  await ctx.command("promote", target, ["REPLICAOF", "NO", "ONE"]);
  ctx.setPreferredMaster(target);
  await repoint(ctx, others, target);
  const moved = [...others];
  if (ctx.drill.options.includeOldMaster) {
    const oldOffset = offsetOf(ctx, old);
    await repoint(ctx, [old], target);
    moved.push(old);
    await settle(ctx, moved, target);
    ctx.secondIdGap = secondIdGap(ctx, oldOffset, target);
  } else {
    await settle(ctx, moved, target);
  }
}

async function switchover(ctx: DrillContext): Promise<void> {
  const target = ctx.plan.target!;
  const old = ctx.plan.oldMaster;
  const { host, port } = hostPort(target);
  const args: (string | number)[] = ["FAILOVER", "TO", host, port];
  const timeout = ctx.drill.options.failoverTimeoutMs ?? 10_000;
  args.push("TIMEOUT", timeout);
  if (ctx.drill.options.failoverForce) args.push("FORCE");
  ctx.actionAt = Date.now();
  ctx.newMaster = target;
  await ctx.command("failover", old, args);
  let lastState = "";
  await until(
    "FAILOVER to finish",
    ctx,
    (vs) => {
      const o = vs.find((v) => v.id === old);
      const state = o?.failoverState ?? "";
      if (state && state !== lastState) {
        lastState = state;
        ctx.step("failover state", "info", `${old}: master_failover_state ${state}`);
      }
      return vs.some((v) => v.id === target && v.role === "master") && o?.role === "replica" && state === "no-failover";
    },
    timeout + 15_000,
  );
  ctx.setPreferredMaster(target);
  // FAILOVER leaves the other replicas chained under the old master: point them at the new one.
  const chained = followersOf(ctx, old);
  await repoint(ctx, chained, target);
  await settle(ctx, [...chained, old], target);
}

async function withSentinel<T>(ctx: DrillContext, fn: (call: (...args: string[]) => Promise<unknown>) => Promise<T>): Promise<T> {
  const sentinels = ctx.monitor.config.sentinels ?? [];
  let lastError = "no sentinels configured for this topology";
  for (const s of sentinels) {
    const r = createConnection({ host: s.host, port: s.port, username: s.username, password: s.password, tls: s.tls || undefined, timeoutMs: 5000, connectionName: "replscope-drill" });
    try {
      await withTimeout(r.connect(), 5000);
      return await fn((...args) => withTimeout(r.call(args[0]!, ...args.slice(1)), 5000));
    } catch (err) {
      lastError = `${s.host}:${s.port}: ${describeRedisError(err)}`;
    } finally {
      r.disconnect();
    }
  }
  throw new Error(`no sentinel answered (${lastError})`);
}

async function masterName(ctx: DrillContext): Promise<string> {
  if (ctx.monitor.config.sentinelMaster) return ctx.monitor.config.sentinelMaster;
  const { host, port } = hostPort(ctx.plan.oldMaster);
  return withSentinel(ctx, async (call) => {
    const masters = (await call("SENTINEL", "MASTERS")) as string[][];
    for (const fields of masters) {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
      if (Number(f.get("port")) === port && (f.get("ip") === host || host === "localhost")) return f.get("name")!;
    }
    throw new Error(`no sentinel monitors ${ctx.plan.oldMaster}`);
  });
}

/** Sentinel picked a new master: wait for it, then for everyone (old master included) under it. */
async function followSentinelFailover(ctx: DrillContext, deadlineMs: number): Promise<void> {
  const old = ctx.plan.oldMaster;
  const before = ctx.plan.touches.filter((id) => id !== old);
  let elected: string | null = null;
  await until(
    "Sentinel to promote a replica",
    ctx,
    (vs) => {
      elected = vs.find((v) => before.includes(v.id) && v.role === "master" && v.status === "up" && vs.some((r) => r.masterId === v.id))?.id ?? null;
      return elected !== null;
    },
    deadlineMs,
  );
  ctx.newMaster = elected;
  ctx.setPreferredMaster(elected!);
  ctx.step("promoted", "ok", `Sentinel promoted ${elected}`);
  const oldOffset = offsetOf(ctx, old);
  await settle(ctx, ctx.plan.touches.filter((id) => id !== elected), elected!);
  ctx.secondIdGap = secondIdGap(ctx, oldOffset, elected!);
}

async function sentinelFailover(ctx: DrillContext): Promise<void> {
  const name = await masterName(ctx);
  ctx.actionAt = Date.now();
  await ctx.act("failover", `SENTINEL FAILOVER ${name}`, () => withSentinel(ctx, (call) => call("SENTINEL", "FAILOVER", name)));
  await followSentinelFailover(ctx, ctx.drill.options.timeoutMs ?? 60_000);
}

async function outage(ctx: DrillContext): Promise<void> {
  const old = ctx.plan.oldMaster;
  const ms = ctx.drill.options.outageMs ?? 10_000;
  ctx.actionAt = Date.now();
  // CLIENT PAUSE ALL holds every client command (writes are executed when it ends) without killing
  // the process: exactly a master that stopped answering.
  await ctx.command("outage", old, ["CLIENT", "PAUSE", ms, "ALL"]);
  if (ctx.monitor.config.sentinels?.length) {
    await followSentinelFailover(ctx, ms + (ctx.drill.options.timeoutMs ?? 60_000));
  } else {
    await pause(ms, ctx.signal);
    ctx.newMaster = old;
    await settle(ctx, ctx.plan.touches.filter((id) => id !== old), old);
  }
}

export const SCENARIO_RUNNERS: Record<ReplicationScenario, (ctx: DrillContext) => Promise<void>> = {
  promote,
  switchover,
  sentinel: sentinelFailover,
  outage,
};
