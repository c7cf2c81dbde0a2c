"use client";
// The drill form for a Redis Cluster topology: a replica chosen within its shard, CLUSTER FAILOVER's
// mode or the outage method, and a confirmation that names every node the plan dials, the shard's
// slots and the one command — or the refusals, which cannot be overridden.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { formatRanges } from "@/lib/cluster/model";
import type { ClusterSummary } from "@/lib/cluster/report";
import type { ClusterDrillPlan } from "@/lib/drills/cluster/types";
import { CLUSTER_FAILOVER_MODES, type ClusterScenario, type DrillOptions, type DrillPlan } from "@/lib/drills/types";
import { apiJson } from "@/components/keys/api";
import { ConfirmDialog } from "@/components/keys/confirm-dialog";
import { SCENARIO_TEXT } from "./drill-text";

type Mode = (typeof CLUSTER_FAILOVER_MODES)[number];
const MODE_TEXT: Record<Mode, string> = {
  failover: "default: the master takes part, the replica catches up first (no lost writes)",
  force: "FORCE: no handshake with the master, still an election",
  takeover: "TAKEOVER: no election, the replica bumps the epoch on its own",
};
const BOX = "w-full rounded border border-slate-700 bg-slate-950 px-2 py-1 font-mono text-sm text-slate-100 disabled:opacity-50";

function roleOf(p: ClusterDrillPlan, address: string): string {
  if (address === p.master.address) return "master of the shard";
  if (address === p.replica.address) return p.mode === "outage" ? "replica (may be elected)" : "replica to promote";
  if (address === p.observer.address) return "observer (the drill reads the cluster's view here)";
  return "other replica of the shard";
}

export function ClusterDrillForm({ topology, cluster, readOnly }: { topology: string; cluster: ClusterSummary; readOnly: boolean }) {
  const router = useRouter();
  const [scenario, setScenario] = useState<ClusterScenario>("cluster-failover");
  const [mode, setMode] = useState<Mode>("failover");
  const [method, setMethod] = useState<"pause" | "sleep">("pause");
  const [outageMs, setOutageMs] = useState("10000");
  const [target, setTarget] = useState("");
  const [confirm, setConfirm] = useState<DrillPlan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const shards = cluster.shards.filter((s) => s.master.address && s.slotCount > 0);
  const shardOf = (address: string) => shards.find((s) => s.replicas.some((r) => r.address === address));
  const chosen = target && shardOf(target) ? target : "";
  const options = (): DrillOptions => {
    const shard = shardOf(chosen);
    return {
      ...(shard?.master.address ? { shardMaster: shard.master.address } : {}),
      ...(scenario === "cluster-failover" ? { clusterMode: mode } : { outageMethod: method, outageMs: Number(outageMs) }),
    };
  };

  const review = async () => {
    setError(null);
    const o = options();
    const q = new URLSearchParams({ topology, scenario, target: chosen });
    for (const [k, v] of Object.entries(o)) q.set(k, String(v));
    try {
      setDialogError(null);
      setConfirm(await apiJson<DrillPlan>(`/api/drills/plan?${q}`));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const start = async () => {
    setBusy(true);
    setDialogError(null);
    try {
      const res = await apiJson<{ id: string }>("/api/drills", { method: "POST", body: JSON.stringify({ topology, scenario, target: chosen, options: options() }) });
      router.push(`/drills/${res.id}`);
    } catch (err) {
      setDialogError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  const p = confirm?.cluster?.plan ?? null;
  const refusals = confirm?.cluster?.refusals ?? [];
  return (
    <div className="space-y-3" data-testid="cluster-drill-form">
      <div className="grid gap-3 md:grid-cols-3">
        <label className="block space-y-1 text-xs">
          <span className="text-slate-400">scenario</span>
          <select className={BOX} value={scenario} onChange={(e) => setScenario(e.target.value as ClusterScenario)} disabled={readOnly} data-testid="cluster-drill-scenario">
            <option value="cluster-failover">{SCENARIO_TEXT["cluster-failover"].label}</option>
            <option value="cluster-outage">{SCENARIO_TEXT["cluster-outage"].label}</option>
          </select>
          <span className="block text-[11px] text-slate-500">{SCENARIO_TEXT[scenario].explain}</span>
        </label>
        <label className="block space-y-1 text-xs">
          <span className="text-slate-400">replica (by shard)</span>
          <select className={BOX} value={chosen} onChange={(e) => setTarget(e.target.value)} disabled={readOnly} data-testid="cluster-drill-replica">
            <option value="">choose a replica…</option>
            {shards.map((s) => (
              <optgroup key={s.master.id} label={`shard of ${s.master.address} · slots ${formatRanges(s.slots)}`}>
                {s.replicas.map((r) =>
                  r.address ? (
                    <option key={r.id} value={r.address}>
                      {r.address}
                      {r.failure !== "ok" ? ` — ${r.failure.toUpperCase()}` : ""}
                    </option>
                  ) : null,
                )}
              </optgroup>
            ))}
          </select>
        </label>
        <div className="space-y-1 text-xs" data-testid="cluster-drill-options">
          <span className="text-slate-400">{scenario === "cluster-failover" ? "mode" : "outage"}</span>
          {scenario === "cluster-failover" ? (
            CLUSTER_FAILOVER_MODES.map((m) => (
              <label key={m} className="flex items-center gap-2 text-slate-200">
                <input type="radio" name="cluster-mode" checked={mode === m} onChange={() => setMode(m)} disabled={readOnly} data-testid={`cluster-mode-${m}`} />
                {MODE_TEXT[m]}
              </label>
            ))
          ) : (
            <>
              <select className={BOX} value={method} onChange={(e) => setMethod(e.target.value as "pause" | "sleep")} disabled={readOnly} data-testid="cluster-outage-method">
                <option value="pause">CLIENT PAUSE (clients only: the cluster keeps the master)</option>
                <option value="sleep">DEBUG SLEEP (the whole node: the cluster fails it over)</option>
              </select>
              <label className="flex items-center gap-2 whitespace-nowrap text-slate-200">
                for
                <input className={`${BOX} w-28`} type="number" min={1000} max={120000} step={1000} value={outageMs} onChange={(e) => setOutageMs(e.target.value)} disabled={readOnly} data-testid="cluster-outage-ms" />
                ms
              </label>
            </>
          )}
        </div>
      </div>
      {error && (
        <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1.5 font-mono text-xs text-rose-200" data-testid="drill-form-error">
          {error}
        </p>
      )}
      <button type="button" onClick={review} disabled={readOnly || !chosen} className="rounded bg-rose-600 px-3 py-1.5 text-xs font-semibold text-white hover:bg-rose-500 disabled:opacity-40" data-testid="drill-review">
        Review and start…
      </button>

      {confirm && (
        <ConfirmDialog
          title={`Start a ${SCENARIO_TEXT[scenario].label.toLowerCase()} drill on "${topology}"?`}
          confirmLabel="Start drill"
          busy={busy}
          error={dialogError}
          confirmDisabled={!p}
          onConfirm={start}
          onCancel={() => {
            setConfirm(null);
            setBusy(false);
          }}
        >
          {p ? (
            <>
              <p>
                Shard of <span className="font-mono text-slate-100">{p.master.address}</span>, slots{" "}
                <span className="font-mono text-slate-100" data-testid="confirm-slots">
                  {p.slotsText}
                </span>
                . It sends <span className="font-mono text-slate-100" data-testid="confirm-command">{`${p.command.args.join(" ")} to ${p.command.node.address}`}</span>; a canary writes to slot {p.canarySlot} throughout, and acknowledged writes may be lost.
              </p>
              <div>
                <p className="text-slate-400">It dials every one of these nodes:</p>
                <ul className="mt-1 list-inside list-disc font-mono text-slate-100" data-testid="confirm-touches">
                  {p.touches.map((t) => (
                    <li key={t.id}>
                      {t.address} <span className="font-sans text-slate-400">{roleOf(p, t.address)}</span>
                    </li>
                  ))}
                </ul>
              </div>
              {p.warnings.length > 0 && (
                <ul className="list-inside list-disc rounded border border-amber-500/40 bg-amber-950/30 p-2 text-amber-100" data-testid="confirm-warnings">
                  {p.warnings.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
              )}
            </>
          ) : (
            <div className="rounded border border-rose-500/40 bg-rose-950/30 p-2" data-testid="confirm-refusals">
              <p className="font-semibold text-rose-200">Refused: this drill cannot run now.</p>
              <ul className="mt-1 list-inside list-disc text-rose-100">
                {refusals.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </div>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
