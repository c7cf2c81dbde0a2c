// Runs failover drills: one at a time per topology, only where the config allows it, with
// pre-checks, a canary writer, a deadline on every step, abort, and a saved report.
import { randomUUID } from "node:crypto";
import type { MonitorHub } from "../monitor/hub";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import type { NodeView } from "../monitor/types";
import { runCommand } from "./admin";
import { ClusterPlanError, executeClusterDrill, planClusterDrill } from "./cluster/manage";
import { CanaryWriter } from "./canary";
import { DrillJournal } from "./journal";
import { RoleProbe } from "./role-probe";
import { buildReport } from "./report";
import { SCENARIO_RUNNERS, type DrillContext } from "./scenarios";
import { pause } from "./wait";
import type { DrillStore } from "./store";
import { instanceField, type JobFleet } from "../fleet/jobs";
import { OrphanSweep } from "../fleet/orphan-sweep";
import type { ClusterDrillPlan } from "./cluster/types";
import { isClusterScenario, listItem, type Drill, type DrillListItem, type DrillOptions, type DrillPlan, type DrillScenario } from "./types";

export type { DrillPlan };

export class DrillError extends Error {
  override name = "DrillError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Route handlers are bundled by Next separately from server.ts, so a DrillError thrown by the
 * server's DrillManager is not `instanceof` the route bundle's class: recognise it by shape.
 */
export function isDrillError(err: unknown): err is DrillError {
  return err instanceof Error && err.name === "DrillError" && typeof (err as { status?: unknown }).status === "number";
}

export interface DrillRequest {
  topology: string;
  scenario: DrillScenario;
  target?: string;
  options?: DrillOptions;
  user: string;
}

const MAX_EVENTS = 5000;
const LAG_OK_BYTES = 64 * 1024;

/** How a command is named in a step: "REPLICAOF NO ONE on 127.0.0.1:6380". */
const commandText = (node: string, args: (string | number)[]): string => `${args.join(" ")} on ${node}`;

/** The master most replicas follow (during a promotion there are briefly two). */
export function currentMaster(views: NodeView[], prefer?: string | null): NodeView | undefined {
  const masters = views.filter((v) => v.role === "master" && v.status === "up");
  const followers = (id: string) => views.filter((v) => v.masterId === id).length;
  return masters.sort((a, b) => followers(b.id) - followers(a.id) || (a.id === prefer ? -1 : b.id === prefer ? 1 : 0))[0];
}

export class DrillManager {
  private readonly running = new Map<string, { drill: Drill; abort: AbortController }>();
  private readonly recent = new Map<string, Drill>();

  /** With several instances: marks drills of instances that stopped interrupted; null alone. */
  orphans: OrphanSweep | null = null;

  private constructor(
    private readonly hub: MonitorHub,
    private readonly store: DrillStore,
    private readonly onUpdate: (d: Drill) => void,
    private readonly send: typeof runCommand,
    private readonly fleet: JobFleet | null,
  ) {}

  /**
   * The manager, once drills a crash left "running" are marked interrupted (before any drill
   * runs). With a fleet only this instance's and stopped instances' drills are, and a sweep keeps
   * marking those of instances that stop later (close() ends it).
   */
  static async open(
    hub: MonitorHub,
    store: DrillStore,
    onUpdate: (d: Drill) => void = () => undefined,
    /** Sends one command to a node; tests wrap it to check what is stored at that moment. */
    send: typeof runCommand = runCommand,
    opts: { fleet?: JobFleet | null; sweepMs?: number } = {},
  ): Promise<DrillManager> {
    const fleet = opts.fleet ?? null;
    const m = new DrillManager(hub, store, onUpdate, send, fleet);
    // This process has run no drill yet: one still "running" in the store died with an earlier process.
    if (!fleet) await store.recoverInterrupted();
    else m.orphans = await OrphanSweep.start(fleet, "drills", (scope) => store.recoverInterrupted(scope), opts.sweepMs);
    return m;
  }

  /** Stops the sweep (running drills end by themselves; a crash or stop leaves them to be marked). */
  async close(): Promise<void> {
    await this.orphans?.stop();
  }

  monitorFor(topology: string): TopologyMonitor {
    const m = this.hub.get(topology);
    if (!m) {
      const why = this.hub.missing({ topology });
      throw new DrillError(why.status, why.error);
    }
    if (!m.config.drills) {
      throw new DrillError(403, `drills are off for "${topology}": set "drills": true for it in the config file (the demo does) — drills promote nodes and can lose writes`);
    }
    return m;
  }

  /** What a drill would do and what stands in its way, without doing anything. */
  plan(req: Omit<DrillRequest, "user">): DrillPlan {
    const m = this.monitorFor(req.topology);
    if (isClusterScenario(req.scenario)) {
      try {
        return planClusterDrill(m, req.scenario, req.target, req.options);
      } catch (err) {
        if (err instanceof ClusterPlanError) throw new DrillError(err.status, err.message);
        throw err;
      }
    }
    if (m.clusterStatus()) throw new DrillError(409, `"${req.topology}" is a Redis Cluster: use the cluster-failover or cluster-outage scenario on a replica of one shard`);
    const views = m.views();
    const master = currentMaster(views);
    if (!master) throw new DrillError(409, "no master is up in this topology");
    const replicas = views.filter((v) => v.masterId === master.id);
    const problems: string[] = [];
    for (const r of replicas) {
      if (r.status !== "up" || r.linkStatus !== "up") problems.push(`${r.id} is not online`);
      else if ((r.lagBytes ?? 0) > LAG_OK_BYTES) problems.push(`${r.id} is ${r.lagBytes} bytes behind`);
    }
    if (replicas.length === 0) problems.push(`${master.id} has no replicas to promote`);
    let target: string | null = null;
    if (req.scenario === "promote" || req.scenario === "switchover") {
      if (req.target) {
        const t = replicas.find((r) => r.id === req.target);
        if (!t) throw new DrillError(400, `target ${req.target} is not a replica of the master ${master.id}`);
        target = t.id;
      } else {
        // The replica with the most data loses the least.
        target = [...replicas].filter((r) => r.status === "up").sort((a, b) => (b.replOffset ?? 0) - (a.replOffset ?? 0))[0]?.id ?? null;
      }
      if (!target) throw new DrillError(409, "no replica is up to promote");
    }
    if ((req.scenario === "sentinel" || req.scenario === "outage") && !(m.config.sentinels?.length)) {
      if (req.scenario === "sentinel") problems.push("no sentinels are configured for this topology");
    }
    const touches = [...new Set([master.id, ...(target ? [target] : []), ...replicas.map((r) => r.id)])];
    const offline = replicas.filter((r) => r.status !== "up" || r.linkStatus !== "up").map((r) => r.id);
    return { oldMaster: master.id, target, touches, problems, offline };
  }

  /** Resolves once the new drill is committed as "running"; it then runs in the background. */
  async start(req: DrillRequest): Promise<Drill> {
    if (this.running.has(req.topology)) throw new DrillError(409, `a drill is already running on "${req.topology}"`);
    const plan = this.plan(req);
    // A refused cluster plan has nothing to run: options.force cannot override it.
    if (plan.cluster && !plan.cluster.plan) throw new DrillError(409, `refused: ${plan.cluster.refusals.join("; ")}`);
    if (plan.problems.length && !req.options?.force) {
      throw new DrillError(409, `pre-checks failed: ${plan.problems.join("; ")} (send options.force to run anyway)`);
    }
    const drill: Drill = {
      id: randomUUID(),
      topology: req.topology,
      scenario: req.scenario,
      target: plan.target,
      options: req.options ?? {},
      user: req.user,
      status: "running",
      startedAt: Date.now(),
      endedAt: null,
      touches: plan.touches,
      steps: [],
      events: [],
      report: null,
      ...(plan.cluster?.plan ? { clusterPlan: plan.cluster.plan, clusterReport: null } : {}),
      error: null,
      ...instanceField(this.fleet),
    };
    const abort = new AbortController();
    // The slot is taken before the first await: a second start on this topology is refused.
    this.running.set(req.topology, { drill, abort });
    const save = this.store.saver();
    try {
      await save(drill);
    } catch (err) {
      this.running.delete(req.topology);
      throw err;
    }
    this.remember(drill);
    this.store.prune().catch((err: unknown) => console.error("replscope: cannot prune old drills", err));
    void (drill.clusterPlan ? this.executeCluster(drill, drill.clusterPlan, abort.signal, save) : this.execute(drill, plan, abort.signal, save));
    return drill;
  }

  async abort(id: string): Promise<Drill> {
    for (const r of this.running.values()) {
      if (r.drill.id === id) {
        r.abort.abort();
        return r.drill;
      }
    }
    const d = await this.get(id);
    if (!d) throw new DrillError(404, `no drill ${id}`);
    throw new DrillError(409, `drill ${id} is not running (${d.status})`);
  }

  /** A drill this process ran lately, from memory (running ones always are): for the socket's feeds. */
  live(id: string): Drill | null {
    return this.recent.get(id) ?? null;
  }

  async get(id: string): Promise<Drill | null> {
    return this.recent.get(id) ?? (await this.store.load(id));
  }

  /** Newest first: running drills as they are now, the rest from the store's summary columns. */
  async list(): Promise<DrillListItem[]> {
    const stored = await this.store.list();
    const live = [...this.running.values()].map(({ drill }) => listItem(drill));
    const ids = new Set(live.map((d) => d.id));
    return [...live, ...stored.filter((d) => !ids.has(d.id))];
  }

  isRunning(topology: string): boolean {
    return this.running.has(topology);
  }

  private remember(d: Drill): void {
    this.recent.set(d.id, d);
    for (const [oldest] of this.recent) {
      if (this.recent.size <= 20) break;
      this.recent.delete(oldest);
    }
  }

  /** A cluster drill: lib/drills/cluster runs it; here it gets the journal, the timeline and the final record. */
  private async executeCluster(drill: Drill, plan: ClusterDrillPlan, signal: AbortSignal, save: (d: Drill) => Promise<void>): Promise<void> {
    const m = this.hub.get(drill.topology)!;
    const journal = new DrillJournal(drill, save, this.onUpdate);
    const off = m.onChange((_t, c) => {
      for (const e of c.events) if (drill.events.length < MAX_EVENTS) drill.events.push(e);
    });
    let outcome: Drill["status"] = "failed";
    try {
      const r = await executeClusterDrill({ m, drill, plan, signal, journal });
      outcome = r.status;
      drill.error = r.error;
    } catch (err) {
      drill.error = err instanceof Error ? err.message : String(err);
      journal.step("error", "error", drill.error);
    } finally {
      off();
      drill.endedAt = Date.now();
      await journal.flush();
      drill.status = outcome;
      const r = drill.clusterReport;
      const node = m.resolve(plan.replica.address);
      const nameOf = (id: string | null | undefined) => [plan.master, plan.replica, ...plan.siblings].find((n) => n.id === id)?.address ?? id ?? "—";
      m.record(node, [
        {
          kind: `drill:${outcome}`,
          node,
          severity: outcome === "done" ? "info" : "warning",
          text: `drill ${drill.scenario} (${plan.mode}) on slots ${plan.slotsText} ${outcome}: new master ${nameOf(r?.newMaster)}, write outage ${r?.writeOutageMs ?? 0} ms, ${r?.lostWrites ?? "unknown"} lost writes`,
          data: { drill: drill.id },
        },
      ]);
      try {
        await save(drill);
      } catch (err) {
        console.error(`replscope: cannot save the final record of drill ${drill.id}`, err);
      }
      this.running.delete(drill.topology);
      this.onUpdate(drill);
    }
  }

  private async execute(drill: Drill, plan: DrillPlan, signal: AbortSignal, save: (d: Drill) => Promise<void>): Promise<void> {
    const m = this.hub.get(drill.topology)!;
    // Every step is committed before the drill goes on, every command before it is sent.
    const journal = new DrillJournal(drill, save, this.onUpdate);
    const step = journal.step.bind(journal);
    const off = m.onChange((_t, c) => {
      for (const e of c.events) if (drill.events.length < MAX_EVENTS) drill.events.push(e);
    });
    let preferred: string | null = plan.oldMaster;
    const probe = new RoleProbe(plan.touches.flatMap((id) => {
      const conn = m.connectOptions(id, 200);
      return conn ? [{ id, conn }] : [];
    }));
    const canary = new CanaryWriter({
      key: `replscope:drill:${drill.id}:canary`,
      target: (exclude) => {
        // ROLE answers from the last half second win; the monitor's views are the fallback.
        const id = probe.master(preferred, exclude) ?? currentMaster(m.views().filter((v) => !exclude.has(v.id)), preferred)?.id;
        const conn = id ? m.connectOptions(id) : undefined;
        return id && conn ? { id, conn } : null;
      },
    });
    const ctx: DrillContext = {
      monitor: m,
      drill,
      plan,
      signal,
      step,
      act: (name, detail, run) => journal.act(name, detail, run),
      intend: (commands) => journal.intend(commands.map((c) => ({ name: c.name, detail: commandText(c.node, c.args) }))),
      command: (name, node, args, timeoutMs) => journal.act(name, commandText(node, args), () => this.send(m, node, args, timeoutMs)),
      setPreferredMaster: (id) => {
        preferred = id;
      },
      actionAt: null,
      newMaster: null,
      secondIdGap: null,
    };
    let present: Set<number> | null = null;
    // The status changes last, once the report is built: readers see "running" until then.
    let outcome: Drill["status"] = "failed";
    try {
      step("start", "info", `${drill.scenario} on ${drill.topology}; touches ${plan.touches.join(", ")}`);
      probe.start();
      canary.start();
      await pause(600, signal);
      if (isClusterScenario(drill.scenario)) throw new Error(`${drill.scenario} runs only with a cluster plan`);
      await SCENARIO_RUNNERS[drill.scenario](ctx);
      // Let the canary land a few writes on the settled master.
      await pause(1000, signal);
      outcome = "done";
    } catch (err) {
      const aborted = signal.aborted;
      outcome = aborted ? "aborted" : "failed";
      drill.error = aborted ? "aborted by the operator" : err instanceof Error ? err.message : String(err);
      step(aborted ? "abort" : "error", "error", drill.error);
    } finally {
      journal.dropUnsent();
      await canary.stop();
      await probe.stop();
      off();
      const finalMaster = currentMaster(m.views(), ctx.newMaster ?? preferred);
      if (finalMaster) {
        try {
          const reply = (await this.send(m, finalMaster.id, ["HKEYS", `replscope:drill:${drill.id}:canary`], 5000)) as string[];
          present = new Set(reply.map(Number));
          step("read back", "ok", `${present.size} canary writes found on the final master ${finalMaster.id}`);
        } catch (err) {
          step("read back", "error", String((err as Error).message));
        }
      }
      drill.endedAt = Date.now();
      drill.report = buildReport({
        startedAt: drill.startedAt,
        actionAt: ctx.actionAt,
        endedAt: drill.endedAt,
        oldMaster: plan.oldMaster,
        newMaster: ctx.newMaster ?? finalMaster?.id ?? null,
        writes: canary.writes,
        present,
        events: drill.events,
        finalViews: m.views(),
        secondIdGap: ctx.secondIdGap,
      });
      // Background writes drain first, so none can land on top of the final record.
      await journal.flush();
      drill.status = outcome;
      m.record(drill.target ?? plan.oldMaster, [
        {
          kind: `drill:${outcome}`,
          node: drill.target ?? plan.oldMaster,
          severity: outcome === "done" ? "info" : "warning",
          text: `drill ${drill.scenario} ${outcome}: new master ${drill.report.newMaster ?? "—"}, write outage ${drill.report.writeOutageMs ?? 0} ms, ${drill.report.lostWrites ?? "unknown"} lost writes`,
          data: { drill: drill.id },
        },
      ]);
      // Nothing writes in the background any more (drained above): this save is the last one. The
      // drill leaves `running` once it is committed, so the list never shows a stale "running" row.
      try {
        await save(drill);
      } catch (err) {
        console.error(`replscope: cannot save the final record of drill ${drill.id}`, err);
      }
      this.running.delete(drill.topology);
      this.onUpdate(drill);
    }
  }
}

