"use client";
import { useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import type { TimelineEvent } from "@/lib/timeline/types";
import { useApi } from "@/components/data/use-api";
import { useLiveTopology } from "@/components/realtime/socket-provider";
import { EventList } from "./event-list";

const GROUPS: { value: string; label: string; match: (kind: string) => boolean }[] = [
  { value: "", label: "all kinds", match: () => true },
  { value: "sync", label: "syncs and resyncs", match: (k) => k.startsWith("sync:") },
  { value: "node", label: "node up/down/role", match: (k) => k.startsWith("node:") },
  { value: "replica", label: "replica links", match: (k) => k.startsWith("replica:") },
  { value: "log", label: "log lines", match: (k) => k.startsWith("log:") },
  { value: "alert", label: "alerts", match: (k) => k.startsWith("alert:") },
  { value: "cluster", label: "cluster (FAIL, failover, slots)", match: (k) => k.startsWith("cluster:") },
];
const MAX = 2000;
const EMPTY: TimelineEvent[] = [];

/** All events of all topologies, time-ordered: history from the API, then live from the socket. */
export function TimelineView() {
  const params = useSearchParams();
  const { state, status } = useLiveTopology();
  const [node, setNode] = useState(params.get("node") ?? "");
  const [group, setGroup] = useState(params.get("kind") ?? "");
  const [severity, setSeverity] = useState("");

  // History once (SWR), then live events from the shared socket.
  const { data, error } = useApi<{ events: TimelineEvent[] }>("/api/events?limit=1000", { revalidateOnFocus: false });
  const history = data?.events ?? EMPTY;

  const merged = useMemo(() => {
    const byKey = new Map<string, TimelineEvent>();
    for (const e of [...history, ...state.events]) byKey.set(`${e.topology}:${e.id}`, e);
    return [...byKey.values()].sort((a, b) => a.at - b.at || a.id - b.id).slice(-MAX);
  }, [history, state.events]);

  const nodes = useMemo(() => [...new Set(merged.map((e) => e.node))].sort(), [merged]);
  const match = GROUPS.find((g) => g.value === group)?.match ?? (() => true);
  const shown = merged.filter((e) => (!node || e.node === node) && match(e.kind) && (!severity || e.severity === severity));

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold text-slate-50">Timeline</h1>
        <span className="text-xs text-slate-400" data-testid="timeline-count">
          {shown.length} of {merged.length} events · {status === "live" ? "live" : status}
        </span>
        <div className="ml-auto flex flex-wrap gap-2 text-sm">
          <select value={node} onChange={(e) => setNode(e.target.value)} className="rounded border border-slate-700 bg-slate-900 px-2 py-1" data-testid="filter-node">
            <option value="">all nodes</option>
            {nodes.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <select value={group} onChange={(e) => setGroup(e.target.value)} className="rounded border border-slate-700 bg-slate-900 px-2 py-1" data-testid="filter-kind">
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
          <select value={severity} onChange={(e) => setSeverity(e.target.value)} className="rounded border border-slate-700 bg-slate-900 px-2 py-1" data-testid="filter-severity">
            <option value="">any severity</option>
            <option value="critical">critical</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>
        </div>
      </div>
      {error && (
        <p className="text-sm text-rose-300" data-testid="timeline-error">
          Could not load the history: {error.message}
        </p>
      )}
      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4" data-testid="timeline">
        <EventList events={shown} empty="No events match these filters." />
      </section>
    </div>
  );
}
