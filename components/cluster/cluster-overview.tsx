"use client";
import Link from "next/link";
import { useMemo } from "react";
import { AlertBanner } from "@/components/alerts/alert-banner";
import { useLiveTopology } from "@/components/realtime/socket-provider";
import { EventList } from "@/components/timeline/event-list";
import { CLUSTER_STALE_MS } from "@/lib/cluster/alert-input";
import { clusterShards, type ClusterSummary } from "@/lib/cluster/report";
import { formatDuration, formatNumber } from "@/lib/format";
import { MigrationList } from "./migration-list";
import { ShardTable } from "./shard-table";
import { SlotMap } from "./slot-map";

function Stat({ label, value, tone = "text-slate-50", testId }: { label: string; value: string; tone?: string; testId?: string }) {
  return (
    <div className="min-w-0 rounded-lg border border-slate-800 bg-slate-900/60 px-3 py-2 sm:min-w-32">
      <div className="text-[11px] tracking-wide text-slate-400 uppercase">{label}</div>
      <div className={`num mt-0.5 truncate font-mono text-lg font-semibold ${tone}`} data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

/** cluster_state and how old the reading is: a view no node confirmed lately is shown as such. */
function StateBanner({ cluster, now }: { cluster: ClusterSummary; now: number }) {
  const age = cluster.readAt === null ? null : Math.max(0, now - cluster.readAt);
  const stale = cluster.lastError !== null || (age !== null && age > CLUSTER_STALE_MS);
  const ok = cluster.state === "ok";
  const tone = stale ? "border-slate-600 bg-slate-800/60" : ok ? "border-emerald-700/60 bg-emerald-950/40" : "border-rose-700/70 bg-rose-950/50";
  return (
    <div className={`rounded-xl border px-4 py-3 ${tone}`} data-testid="cluster-state">
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <span className={`text-lg font-semibold ${stale ? "text-slate-300" : ok ? "text-emerald-300" : "text-rose-300"}`} data-testid="cluster-state-value">
          cluster_state {cluster.state}
        </span>
        <span className="font-mono text-sm text-slate-300" data-testid="cluster-epoch">
          current epoch {cluster.currentEpoch ?? "?"}
        </span>
        <span className="text-xs text-slate-400">
          read from <span className="font-mono">{cluster.readFrom ?? "—"}</span> {age === null ? "" : `${formatDuration(age)} ago`}
        </span>
      </div>
      {!ok && !stale && (
        <p className="mt-1 text-sm text-rose-200">
          The cluster refuses queries
          {cluster.slots.uncoveredCount > 0 ? `: ${formatNumber(cluster.slots.uncoveredCount)} slots are served by no master` : ""}
          {cluster.slots.failCount > 0 ? `; ${formatNumber(cluster.slots.failCount)} slots belong to a FAIL master` : ""}.
        </p>
      )}
      {stale && (
        <p className="mt-1 text-sm text-amber-200" data-testid="cluster-stale">
          Last reading shown: {cluster.lastError ?? `no new reading for ${formatDuration(age)}`}
        </p>
      )}
    </div>
  );
}

export function ClusterOverview({ topology: name }: { topology: string }) {
  const { state, hasSnapshot, now } = useLiveTopology();
  const topology = state.topologies.find((t) => t.name === name);
  const cluster = topology?.cluster ?? null;
  const nodes = useMemo(() => (topology ? Object.values(topology.nodes) : []), [topology]);
  const shards = useMemo(() => (cluster ? clusterShards(cluster, nodes) : []), [cluster, nodes]);
  const events = useMemo(() => state.events.filter((e) => e.topology === name && e.kind.startsWith("cluster:")), [state.events, name]);

  const header = (
    <div className="flex flex-wrap items-center gap-3">
      <h1 className="text-lg font-semibold text-slate-50">Redis Cluster</h1>
      <span className="font-mono text-sm text-slate-400">{name}</span>
      <Link href={`/?topology=${encodeURIComponent(name)}`} className="ml-auto text-sm text-sky-300 hover:underline">
        replication view →
      </Link>
    </div>
  );
  if (!hasSnapshot) return <div className="space-y-5">{header}<p className="py-12 text-center text-sm text-slate-400">Connecting to the dashboard server…</p></div>;
  if (!topology) return <div className="space-y-5">{header}<p className="py-12 text-center text-sm text-slate-400">No topology named {name} is monitored.</p></div>;
  if (!cluster)
    return (
      <div className="space-y-5">
        {header}
        <p className="py-12 text-center text-sm text-slate-400" data-testid="cluster-empty">
          No cluster reading yet: either {name} does not run in cluster mode, or none of its cluster nodes has answered.
        </p>
      </div>
    );

  const primaries = cluster.shards.filter((s) => s.slotCount > 0).length;
  return (
    <div className="space-y-5">
      {header}
      <AlertBanner alerts={topology.alerts} now={now} />
      <StateBanner cluster={cluster} now={now} />
      <div className="grid grid-cols-2 gap-2 sm:flex sm:flex-wrap sm:gap-3">
        <Stat label="slots served of 16,384" value={formatNumber(cluster.slots.coveredCount)} tone={cluster.slots.coveredCount === 16384 ? "text-slate-50" : "text-rose-300"} testId="stat-covered" />
        <Stat label="unserved" value={formatNumber(cluster.slots.uncoveredCount)} tone={cluster.slots.uncoveredCount ? "text-rose-300" : "text-slate-50"} testId="stat-uncovered" />
        <Stat label="PFAIL / FAIL slots" value={`${formatNumber(cluster.slots.pfailCount)} / ${formatNumber(cluster.slots.failCount)}`} tone={cluster.slots.pfailCount + cluster.slots.failCount ? "text-amber-300" : "text-slate-50"} />
        <Stat label="shards" value={String(primaries)} testId="stat-shards" />
        <Stat label="nodes" value={String(cluster.knownNodes)} />
        <Stat label="migrating slots" value={String(cluster.migrations.length)} tone={cluster.migrations.length ? "text-sky-300" : "text-slate-50"} />
      </div>

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4">
        <h2 className="mb-2 text-sm font-semibold text-slate-300">Slot map</h2>
        <SlotMap cluster={cluster} />
      </section>

      <div className="grid gap-5 lg:grid-cols-3">
        <section className="min-w-0 rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4 lg:col-span-2">
          <h2 className="mb-2 text-sm font-semibold text-slate-300">Shards</h2>
          <ShardTable shards={shards} topology={name} />
        </section>
        <div className="min-w-0 space-y-5">
          <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4">
            <h2 className="mb-2 text-sm font-semibold text-slate-300">Slot migrations</h2>
            <MigrationList migrations={cluster.migrations} />
          </section>
          {cluster.failureReports.length > 0 && (
            <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4" data-testid="failure-reports">
              <h2 className="mb-2 text-sm font-semibold text-slate-300">Failure reports</h2>
              <ul className="space-y-1 text-xs">
                {cluster.failureReports.map((r) => (
                  <li key={r.id} className="flex gap-2">
                    <span className={r.failure === "fail" ? "text-rose-300" : "text-amber-300"}>{r.failure.toUpperCase()}</span>
                    <span className="font-mono text-slate-200">{r.address ?? r.id.slice(0, 8)}</span>
                    <span className="text-slate-400">{r.reports === null ? "reports unknown" : r.reports === 1 ? "1 master reports it" : `${r.reports} masters report it`}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {cluster.refused.length > 0 && (
            <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-3 text-xs text-slate-400 sm:p-4">
              <h2 className="mb-1 text-sm font-semibold text-slate-300">Not contacted</h2>
              {cluster.refused.slice(0, 20).map((r) => (
                <p key={r.id}>
                  <span className="font-mono">{r.address ?? r.id.slice(0, 8)}</span>: {r.reason}
                </p>
              ))}
            </section>
          )}
          <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4">
            <h2 className="mb-2 text-sm font-semibold text-slate-300">Recent cluster events</h2>
            <div className="max-h-72 overflow-y-auto pr-1">
              <EventList events={events.slice(-100)} empty="No cluster event since the page opened the feed." />
            </div>
          </section>
        </div>
      </div>
    </div>
  );
}
