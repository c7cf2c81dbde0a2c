"use client";
import { useCallback, useEffect, useState } from "react";
import type { FluentPage } from "@/lib/fluentd/read";
import { recordColumns, type FluentValue, type TagGroup } from "@/lib/fluentd/parse";
import { formatNumber } from "@/lib/format";
import { escapeInvisible } from "@/lib/keys/codec";
import { apiJson, type TopologyListing } from "@/components/keys/api";

const RANGES = [
  { label: "last 5 minutes", seconds: 300 },
  { label: "last hour", seconds: 3600 },
  { label: "last day", seconds: 86_400 },
  { label: "all time", seconds: 0 },
];

/** Record values and tags come from key names and values in Redis: invisible characters shown escaped. */
function cell(v: FluentValue | undefined): string {
  if (v === undefined) return "";
  return escapeInvisible(typeof v === "string" ? v : JSON.stringify(v));
}

function clock(t: number | null): string {
  if (t === null) return "—";
  const d = new Date(t * 1000);
  return `${d.toLocaleDateString("en-CA")} ${d.toLocaleTimeString("en-GB", { hour12: false })}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

function TagTable({ g }: { g: TagGroup }) {
  const cols = recordColumns(g.records);
  return (
    <section className="rounded-lg border border-slate-800 bg-slate-900/50" data-testid="fluentd-tag" data-tag={g.tag}>
      <header className="flex flex-wrap items-baseline gap-3 border-b border-slate-800 px-3 py-2 text-xs">
        <h3 className="font-mono text-sm font-semibold text-slate-50">{escapeInvisible(g.tag)}</h3>
        {g.sources.map((s) => (
          <span key={s} className="rounded bg-slate-800 px-1.5 py-0.5 text-[10px] text-slate-300 uppercase">{s === "hash" ? "fluent-plugin-redis" : `redis-store ${s}`}</span>
        ))}
        <span className="num ml-auto text-slate-400" data-testid="fluentd-rate">
          {formatNumber(g.records.length)} records · {g.ratePerSec === null ? "—" : `${g.ratePerSec.toFixed(2)}/s`} · {clock(g.first)} → {clock(g.last)}
        </span>
      </header>
      <div className="max-h-80 overflow-auto">
        <table className="w-full border-collapse text-xs">
          <thead className="sticky top-0 bg-slate-900">
            <tr className="text-left text-[11px] text-slate-400">
              <th className="px-2 py-1 font-medium whitespace-nowrap">time</th>
              {cols.map((c) => <th key={c} className="px-2 py-1 font-mono font-medium">{escapeInvisible(c)}</th>)}
            </tr>
          </thead>
          <tbody className="font-mono text-slate-100">
            {g.records.map((r) => (
              <tr key={`${r.key}|${r.index}`} className="border-t border-slate-800/50 align-top" data-testid="fluentd-row">
                <td className="num px-2 py-0.5 whitespace-nowrap text-slate-400">{clock(r.time)}</td>
                {cols.map((c) => <td key={c} className="max-w-96 truncate px-2 py-0.5" title={cell(r.record[c])}>{cell(r.record[c])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function FluentdView({ node: initialNode, topology: initialTopology, db: initialDb }: { node?: string; topology?: string; db?: number }) {
  const [topologies, setTopologies] = useState<TopologyListing["topologies"]>([]);
  const [topology, setTopology] = useState(initialTopology ?? "");
  const [node, setNode] = useState(initialNode ?? "");
  const [db] = useState(initialDb ?? 0);
  const [range, setRange] = useState(3600);
  const [data, setData] = useState<FluentPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    void (async () => {
      try {
        const t = await apiJson<TopologyListing>("/api/topology");
        setTopologies(t.topologies);
        const first = t.topologies[0];
        setTopology((cur) => cur || first?.name || "");
        const master = first?.nodes.find((n) => n.role === "master" && n.status === "up");
        setNode((cur) => cur || master?.id || "");
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    })();
  }, []);

  const load = useCallback(async () => {
    if (!node) return;
    setLoading(true);
    try {
      const q = new URLSearchParams({ node, topology, db: String(db) });
      if (range > 0) q.set("from", String(Math.floor(Date.now() / 1000) - range));
      setData(await apiJson<FluentPage>(`/api/fluentd?${q}`));
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setLoading(false);
    }
  }, [node, topology, db, range]);

  useEffect(() => {
    void (async () => load())();
  }, [load]);

  const nodes = topologies.find((t) => t.name === topology)?.nodes ?? [];
  const input = "rounded border border-slate-700 bg-slate-950 px-2 py-1 text-xs text-slate-100";
  return (
    <div className="space-y-4" data-testid="fluentd-view">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="mr-2 text-sm font-semibold">fluentd records</h1>
        <select value={node} onChange={(e) => setNode(e.target.value)} className={`${input} font-mono`} aria-label="node">
          {nodes.map((n) => <option key={n.id} value={n.id}>{n.id} · {n.role}</option>)}
        </select>
        <select value={range} onChange={(e) => setRange(Number(e.target.value))} className={input} data-testid="fluentd-range" aria-label="time range">
          {RANGES.map((r) => <option key={r.seconds} value={r.seconds}>{r.label}</option>)}
        </select>
        <button type="button" onClick={() => void load()} disabled={loading} className="rounded border border-slate-600 px-2 py-1 text-xs hover:bg-slate-800 disabled:opacity-50">
          {loading ? "Reading…" : "Refresh"}
        </button>
        {data && (
          <span className="num text-[11px] text-slate-400">
            db{db} · {formatNumber(data.records)} records from about {formatNumber(data.scanned)} keys examined{data.cursor !== "0" ? " (first part of the keyspace)" : ""}{data.truncated ? " · newest records per tag only" : ""}
          </span>
        )}
      </div>
      <p className="text-xs text-slate-400">
        Hashes named <span className="font-mono">&lt;tag&gt;.&lt;unix time&gt;.&lt;index&gt;</span> (fluent-plugin-redis) and zsets, lists or strings of JSON records (fluent-plugin-redis-store), grouped by tag and sorted by event time.
      </p>
      {error && <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1 text-xs text-rose-200">{error}</p>}
      {data && data.groups.length === 0 && <p className="py-10 text-center text-sm text-slate-400" data-testid="fluentd-empty">No fluentd records in this time range on this node.</p>}
      {data?.groups.map((g) => <TagTable key={g.tag} g={g} />)}
    </div>
  );
}
