// Fleet series for /metrics (several instances): who owns what, lease time left, this instance's
// rebalance counters and whether the coordination Redis answers. fleetSamples is pure; the gauges
// read one overview per scrape (shared by every fleet series of that scrape) and never throw: a
// coordination Redis that cannot be read makes replscope_fleet_coordination_up 0 and leaves out
// the series that only the overview could give, instead of failing the whole scrape.
import { Counter, Gauge, type Registry } from "prom-client";
import type { CoordinatorStatus, LostReason } from "../fleet/coordinator";
import type { FleetOverview } from "../fleet/fleet";
import type { Sample } from "./samples";

/** What the fleet series need (a Fleet has both; a test may pass a fake). */
export interface FleetMetricsSource {
  status(): CoordinatorStatus;
  overview(): Promise<FleetOverview>;
}

export const FLEET_METRICS = {
  replscope_fleet_coordination_up: { type: "gauge", labelNames: [], help: "1 when this instance reached the coordination Redis on its last tick and could read the fleet for this scrape, else 0." },
  replscope_fleet_instances: { type: "gauge", labelNames: [], help: "Live replscope instances (heartbeating in the coordination Redis)." },
  replscope_fleet_owned_topologies: { type: "gauge", labelNames: ["instance"], help: "Topologies whose lease each live instance holds. instance: the replscope instance id (Prometheus renames it exported_instance unless honor_labels is set)." },
  replscope_fleet_unowned_topologies: { type: "gauge", labelNames: [], help: "Configured topologies no live instance holds a lease on (being taken over, or no instance live for them)." },
  replscope_fleet_lease_remaining_seconds: { type: "gauge", labelNames: ["topology"], help: "Seconds until a topology's lease expires in the coordination Redis (0: unowned). Renewed about every second while its owner is healthy." },
  replscope_fleet_lease_owner: { type: "gauge", labelNames: ["topology", "instance"], help: "1 for the instance holding each topology's lease." },
  replscope_fleet_lease_token: { type: "gauge", labelNames: ["topology"], help: "Fencing token of each topology's current lease: every acquisition raises it, so a change means the topology changed hands (a value, not a count: it is seeded from the Redis clock)." },
  replscope_fleet_acquisitions_total: { type: "counter", labelNames: [], help: "Leases this instance acquired since it started." },
  replscope_fleet_losses_total: { type: "counter", labelNames: ["reason"], help: "Leases this instance gave up or lost since it started, by reason: released (rebalanced away), expired (not renewed in time), taken (someone else holds it), stopped (shutdown)." },
} as const;

export type FleetMetricName = keyof typeof FLEET_METRICS;

const REASONS: readonly LostReason[] = ["released", "expired", "taken", "stopped"];

/** Pure: every fleet sample for one scrape. */
export function fleetSamples(status: CoordinatorStatus, overview: FleetOverview | null): Map<FleetMetricName, Sample[]> {
  const out = new Map<FleetMetricName, Sample[]>();
  const put = (name: FleetMetricName, labels: Record<string, string>, value: number) => {
    const list = out.get(name) ?? [];
    list.push({ labels, value });
    out.set(name, list);
  };
  put("replscope_fleet_coordination_up", {}, status.reachable && overview !== null ? 1 : 0);
  put("replscope_fleet_acquisitions_total", {}, status.acquisitions);
  for (const reason of REASONS) put("replscope_fleet_losses_total", { reason }, status.losses[reason]);
  if (!overview) return out;
  put("replscope_fleet_instances", {}, overview.instances.length);
  put("replscope_fleet_unowned_topologies", {}, overview.unowned.length);
  for (const inst of overview.instances) {
    put("replscope_fleet_owned_topologies", { instance: inst.id }, inst.leases.length);
    for (const l of inst.leases) {
      put("replscope_fleet_lease_remaining_seconds", { topology: l.topology }, Math.max(0, l.ttlMs) / 1000);
      put("replscope_fleet_lease_owner", { topology: l.topology, instance: inst.id }, 1);
      put("replscope_fleet_lease_token", { topology: l.topology }, l.token);
    }
  }
  for (const t of overview.unowned) put("replscope_fleet_lease_remaining_seconds", { topology: t }, 0);
  return out;
}

/** Registers the fleet series; `source()` null (running alone) leaves them empty. */
export function registerFleetMetrics(registry: Registry, source: () => FleetMetricsSource | null): void {
  // One overview per scrape: registry.metrics() calls every collect() in one synchronous pass, so
  // the first starts the read and a microtask forgets it before the next scrape.
  let pending: Promise<Map<FleetMetricName, Sample[]>> | null = null;
  const current = (): Promise<Map<FleetMetricName, Sample[]>> => {
    if (pending) return pending;
    const fleet = source();
    pending = fleet
      ? fleet.overview().then(
          (o) => fleetSamples(fleet.status(), o),
          () => fleetSamples(fleet.status(), null),
        )
      : Promise.resolve(new Map());
    queueMicrotask(() => {
      pending = null;
    });
    return pending;
  };
  for (const [name, spec] of Object.entries(FLEET_METRICS) as [FleetMetricName, (typeof FLEET_METRICS)[FleetMetricName]][]) {
    const common = { name, help: spec.help, labelNames: [...spec.labelNames], registers: [registry] };
    if (spec.type === "counter") {
      // This instance's own counters, mirrored as they stand (they restart from 0 with the process).
      new Counter({
        ...common,
        async collect() {
          const samples = (await current()).get(name) ?? [];
          this.reset();
          for (const s of samples) this.inc(s.labels, s.value);
          if (samples.length === 0 && spec.labelNames.length === 0) this.remove(); // reset() left a 0 that would mean "known"
        },
      });
    } else {
      new Gauge({
        ...common,
        async collect() {
          const samples = (await current()).get(name) ?? [];
          this.reset();
          for (const s of samples) this.set(s.labels, s.value);
          if (samples.length === 0 && spec.labelNames.length === 0) this.remove();
        },
      });
    }
  }
}
