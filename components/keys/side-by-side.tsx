"use client";
import { useCallback, useEffect, useState } from "react";
import type { NodeColumn, SideBySide } from "@/lib/keys/side-by-side";
import { formatBytes, formatNumber } from "@/lib/format";
import { RoleBadge } from "@/components/topology/node-card";
import { apiJson, WRITABLE_REPLICA_NOTE } from "./api";
import { formatTtl } from "./token-text";
import { ValueView } from "./value-view";

const VERDICT: Record<NodeColumn["verdict"], { text: string; cls: string }> = {
  master: { text: "reference", cls: "text-slate-400" },
  same: { text: "same as master", cls: "text-emerald-300" },
  different: { text: "different", cls: "text-rose-300" },
  behind: { text: "behind", cls: "text-amber-300" },
  changing: { text: "changing too fast to confirm", cls: "text-slate-300" },
  unavailable: { text: "unavailable", cls: "text-slate-400" },
};

/** The server sends no value-derived fields to viewers when the config hides values (viewerValues: false). */
const hidden = (n: NodeColumn): boolean => (n as NodeColumn & { valueHidden?: boolean }).valueHidden === true;

function Cell({ label, value, differs }: { label: string; value: React.ReactNode; differs: boolean }) {
  return (
    <div className={`flex items-baseline justify-between gap-2 rounded px-1.5 py-0.5 text-xs ${differs ? "bg-rose-500/15 ring-1 ring-rose-500/40" : ""}`}>
      <span className="text-slate-400">{label}</span>
      <span className="num truncate font-mono text-slate-100">{value}</span>
    </div>
  );
}

/** One column per node, master first; cells that differ from the master are highlighted. */
export function SideBySideView({ keyToken, db, topology, refreshKey }: { keyToken: string; db: number; topology: string; refreshKey: number }) {
  const [data, setData] = useState<SideBySide | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      // The key name goes in the body: names over ~16 KB do not fit in a URL.
      setData(await apiJson<SideBySide>("/api/keys/compare", { method: "POST", body: JSON.stringify({ key: keyToken, db, topology }) }));
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setLoading(false);
    }
  }, [keyToken, db, topology]);

  useEffect(() => {
    void (async () => load())();
  }, [load, refreshKey]);

  if (!data) return <p className="text-xs text-slate-400">{error ?? "Reading the key on every node…"}</p>;
  const master = data.nodes[0];
  // Only a replica judged "different" gets red cells; a "behind" one may just hold an older copy.
  const differs = (n: NodeColumn, f: (c: NodeColumn) => unknown) => n.verdict === "different" && master !== undefined && f(n) !== f(master);
  return (
    <div className="space-y-2" data-testid="side-by-side" data-equal={String(data.equal)}>
      <div className="flex items-center gap-3 text-xs">
        <span className={data.equal ? "text-emerald-300" : "text-amber-300"} data-testid="side-by-side-summary">
          {data.equal ? "Identical on every node" : "Not identical on every node"}
        </span>
        <button type="button" onClick={() => void load()} disabled={loading} className="rounded border border-slate-600 px-2 py-0.5 text-slate-200 hover:bg-slate-800 disabled:opacity-50" data-testid="recheck">
          {loading ? "Checking…" : "Re-check"}
        </button>
        {error && <span className="text-rose-300">{error}</span>}
      </div>
      {/* One column per node from sm up, scrolling inside this panel when they do not fit; stacked on phones. */}
      <div className="grid grid-cols-1 gap-3 overflow-x-auto pb-1 sm:[grid-template-columns:var(--columns)]" style={{ "--columns": `repeat(${Math.max(1, data.nodes.length)}, minmax(220px, 1fr))` } as React.CSSProperties}>
        {data.nodes.map((n) => (
          <div key={n.id} className={`min-w-0 rounded-lg border p-2 ${n.verdict === "different" ? "border-rose-500/60" : n.verdict === "behind" ? "border-amber-500/50" : "border-slate-700"} bg-slate-900`} data-testid={`column-${n.id}`} data-verdict={n.verdict}>
            <div className="flex items-center justify-between gap-2">
              <span className="truncate font-mono text-xs font-semibold">{n.id}</span>
              <RoleBadge role={n.role} />
            </div>
            <div className="mt-1 flex flex-wrap items-center gap-2 text-[11px]">
              <span className={VERDICT[n.verdict].cls} data-testid="verdict">{VERDICT[n.verdict].text}</span>
              {n.role === "replica" && n.readOnly === false && (
                <span className="rounded bg-amber-500/20 px-1 text-amber-300" title={WRITABLE_REPLICA_NOTE} data-testid="writable-badge">WRITABLE</span>
              )}
            </div>
            {n.verdict === "behind" && (
              <p className="mt-1 text-[11px] text-amber-300" data-testid="behind-note">
                replica is {formatNumber(n.behindBytes)} bytes behind; re-check
              </p>
            )}
            {n.difference && n.verdict === "different" && <p className="mt-1 text-[11px] text-rose-300">{n.difference.detail}</p>}
            {n.error && <p className="mt-1 text-[11px] text-rose-300">{n.error}</p>}
            <div className="mt-2 space-y-0.5">
              <Cell label="exists" value={n.exists === null ? "—" : n.exists ? "yes" : "no"} differs={differs(n, (c) => c.exists)} />
              <Cell label="type" value={n.type ?? "—"} differs={differs(n, (c) => c.type)} />
              <Cell label="TTL" value={formatTtl(n.ttl)} differs={n.verdict === "different" && n.difference?.kind === "ttl"} />
              {hidden(n) ? (
                <Cell label="value" value="hidden from viewers" differs={false} />
              ) : (
                <>
                  <Cell label="length" value={formatNumber(n.length)} differs={differs(n, (c) => c.length)} />
                  <Cell label="encoding" value={n.encoding ?? "—"} differs={false} />
                  <Cell label="memory" value={formatBytes(n.details?.memory)} differs={false} />
                  <Cell label="digest" value={n.digest ? n.digest.slice(0, 12) : n.exists ? "not read (large)" : "—"} differs={differs(n, (c) => c.digest)} />
                </>
              )}
            </div>
            {n.details && (
              <div className={`mt-2 max-h-64 overflow-auto rounded border p-1 ${differs(n, (c) => c.digest) ? "border-rose-500/40" : "border-slate-800"}`} data-testid="column-value">
                <ValueView value={n.details.value} pretty={false} />
                {n.details.truncated && <p className="mt-1 text-[10px] text-slate-500">first page only</p>}
              </div>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}
