"use client";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import type { DrillOptions, DrillScenario } from "@/lib/drills/types";
import { REPLICATION_SCENARIOS } from "@/lib/drills/types";
import type { NodeView } from "@/lib/monitor/types";
import { formatNumber } from "@/lib/format";
import { apiJson } from "@/components/keys/api";
import { ConfirmDialog } from "@/components/keys/confirm-dialog";
import type { ClusterSummary } from "@/lib/cluster/report";
import { ClusterDrillForm } from "./cluster-drill-form";
import { SCENARIO_TEXT } from "./drill-text";

export interface TopologyChoice {
  name: string;
  drills: boolean;
}

interface Plan {
  oldMaster: string;
  target: string | null;
  touches: string[];
  problems: string[];
}

const WITH_TARGET: DrillScenario[] = ["promote", "switchover"];
export const DRILLS_OFF_NOTE = 'drills are off: set "drills": true for this topology in the config file (drills promote nodes and can lose writes)';

function planUrl(topology: string, scenario: DrillScenario, target: string): string {
  const q = new URLSearchParams({ topology, scenario });
  if (target) q.set("target", target);
  return `/api/drills/plan?${q}`;
}

function Field({ label, children, hint }: { label: string; children: React.ReactNode; hint?: string }) {
  return (
    <label className="block space-y-1 text-xs">
      <span className="text-slate-400">{label}</span>
      {children}
      {hint && <span className="block text-[11px] text-slate-500">{hint}</span>}
    </label>
  );
}

const BOX = "rounded border border-slate-700 bg-slate-950 px-2 py-1 font-mono text-sm text-slate-100 disabled:opacity-50";
const INPUT = `w-full ${BOX}`;
const NUMBER = `w-24 shrink-0 ${BOX}`;

export function NewDrillForm({
  topologies,
  nodesOf,
  clusterOf = () => null,
  readOnly,
}: {
  topologies: TopologyChoice[];
  nodesOf: (topology: string) => NodeView[];
  /** The topology's cluster summary when it is a Redis Cluster: the cluster form replaces the replication one. */
  clusterOf?: (topology: string) => ClusterSummary | null;
  readOnly: boolean;
}) {
  const router = useRouter();
  // The master-down playbook links here with the drill prepared: ?topology=&scenario=&target=
  const params = useSearchParams();
  const enabled = topologies.filter((t) => t.drills);
  const [topology, setTopology] = useState(params.get("topology") ?? "");
  const [scenario, setScenario] = useState<DrillScenario>(() => {
    const wanted = params.get("scenario");
    return REPLICATION_SCENARIOS.find((s) => s === wanted) ?? "promote";
  });
  const [target, setTarget] = useState(params.get("target") ?? "");
  const [suggested, setSuggested] = useState<Plan | null>(null);
  const [failoverForce, setFailoverForce] = useState(false);
  const [includeOldMaster, setIncludeOldMaster] = useState(true);
  const [failoverTimeout, setFailoverTimeout] = useState("10000");
  const [outageMs, setOutageMs] = useState("5000");
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Plan | null>(null);
  const [override, setOverride] = useState(false);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<string | null>(null);

  const chosen = topology || enabled[0]?.name || "";
  const nodes = nodesOf(chosen);
  // The plan's master changes when the topology does (after a drill): ask again then.
  const masters = nodes.filter((n) => n.role === "master" && n.status === "up").map((n) => n.id).sort().join(",");
  const needsTarget = WITH_TARGET.includes(scenario);
  const cluster = chosen ? clusterOf(chosen) : null;
  const isCluster = cluster !== null;

  useEffect(() => {
    if (!chosen || isCluster || !topologies.find((t) => t.name === chosen)?.drills) return;
    let cancelled = false;
    apiJson<Plan>(planUrl(chosen, scenario, ""))
      .then((p) => {
        if (cancelled) return;
        setSuggested(p);
        setError(null);
        setTarget((cur) => (cur && p.touches.includes(cur) && cur !== p.oldMaster ? cur : (p.target ?? "")));
      })
      .catch((err: unknown) => !cancelled && (setSuggested(null), setError(err instanceof Error ? err.message : String(err))));
    return () => {
      cancelled = true;
    };
  }, [chosen, scenario, masters, topologies, isCluster]);

  const replicas = useMemo(
    () => (suggested ? nodes.filter((n) => n.masterId === suggested.oldMaster && n.role === "replica").sort((a, b) => (b.replOffset ?? 0) - (a.replOffset ?? 0)) : []),
    [nodes, suggested],
  );

  const options = (): DrillOptions => {
    const o: DrillOptions = {};
    if (scenario === "switchover") {
      o.failoverForce = failoverForce;
      o.failoverTimeoutMs = Number(failoverTimeout);
    }
    if (scenario === "promote") o.includeOldMaster = includeOldMaster;
    if (scenario === "outage") o.outageMs = Number(outageMs);
    return o;
  };

  const review = async () => {
    setError(null);
    try {
      const p = await apiJson<Plan>(planUrl(chosen, scenario, needsTarget ? target : ""));
      setOverride(false);
      setDialogError(null);
      setConfirm(p);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const start = async () => {
    if (!confirm) return;
    setBusy(true);
    setDialogError(null);
    try {
      const body = { topology: chosen, scenario, ...(needsTarget && confirm.target ? { target: confirm.target } : {}), options: { ...options(), ...(override ? { force: true } : {}) } };
      const res = await apiJson<{ id: string }>("/api/drills", { method: "POST", body: JSON.stringify(body) });
      router.push(`/drills/${res.id}`);
    } catch (err) {
      setDialogError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  const disabled = readOnly || !chosen;
  const topologySelect = (
    <Field label="topology">
      <select className={INPUT} value={chosen} onChange={(e) => setTopology(e.target.value)} disabled={readOnly} data-testid="drill-topology">
        {topologies.map((t) => (
          <option key={t.name} value={t.name} disabled={!t.drills}>
            {t.name}
            {t.drills ? "" : " (drills off)"}
          </option>
        ))}
      </select>
    </Field>
  );
  const drillsOff = (
    <>
      {topologies.filter((t) => !t.drills).length > 0 && (
        <ul className="space-y-0.5 text-[11px] text-slate-400" data-testid="drills-off">
          {topologies
            .filter((t) => !t.drills)
            .map((t) => (
              <li key={t.name}>
                <span className="font-mono text-slate-300">{t.name}</span>: {DRILLS_OFF_NOTE}
              </li>
            ))}
        </ul>
      )}
    </>
  );
  if (cluster) {
    return (
      <div className="space-y-3" data-testid="new-drill">
        <div className="max-w-xs">{topologySelect}</div>
        {drillsOff}
        <ClusterDrillForm key={chosen} topology={chosen} cluster={cluster} readOnly={readOnly} />
      </div>
    );
  }
  return (
    <div className="space-y-3" data-testid="new-drill">
      <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-[minmax(0,0.8fr)_minmax(0,1fr)_minmax(0,1.3fr)_minmax(0,1.2fr)]">
        {topologySelect}
        <Field label="scenario" hint={SCENARIO_TEXT[scenario].explain}>
          <select className={INPUT} value={scenario} onChange={(e) => setScenario(e.target.value as DrillScenario)} disabled={disabled} data-testid="drill-scenario">
            {REPLICATION_SCENARIOS.map((s) => (
              <option key={s} value={s}>
                {SCENARIO_TEXT[s].label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="target" hint={needsTarget ? (suggested ? `replicas of the master ${suggested.oldMaster}, most data first` : undefined) : "chosen by the scenario"}>
          <select className={INPUT} value={needsTarget ? target : ""} onChange={(e) => setTarget(e.target.value)} disabled={disabled || !needsTarget} data-testid="drill-target">
            {!needsTarget && <option value="">—</option>}
            {needsTarget &&
              replicas.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.id} · offset {formatNumber(r.replOffset)}
                  {r.id === suggested?.target ? " (suggested)" : ""}
                  {r.status !== "up" || r.linkStatus !== "up" ? " — not online" : ""}
                </option>
              ))}
          </select>
        </Field>
        <div className="space-y-1 text-xs" data-testid="drill-options">
          <span className="text-slate-400">options</span>
          {scenario === "promote" && (
            <label className="flex items-center gap-2 text-slate-200">
              <input type="checkbox" checked={includeOldMaster} onChange={(e) => setIncludeOldMaster(e.target.checked)} disabled={disabled} data-testid="opt-include-old-master" />
              re-point the old master under the new one
            </label>
          )}
          {scenario === "switchover" && (
            <>
              <label className="flex items-center gap-2 text-slate-200">
                <input type="checkbox" checked={failoverForce} onChange={(e) => setFailoverForce(e.target.checked)} disabled={disabled} data-testid="opt-failover-force" />
                FORCE (promote even if the target has not caught up by the timeout)
              </label>
              <label className="flex items-center gap-2 whitespace-nowrap text-slate-200">
                timeout
                <input className={NUMBER} type="number" min={100} step={100} value={failoverTimeout} onChange={(e) => setFailoverTimeout(e.target.value)} disabled={disabled} data-testid="opt-failover-timeout" />
                ms
              </label>
            </>
          )}
          {scenario === "outage" && (
            <label className="flex items-center gap-2 whitespace-nowrap text-slate-200">
              pause the master for
              <input className={NUMBER} type="number" min={500} step={500} value={outageMs} onChange={(e) => setOutageMs(e.target.value)} disabled={disabled} data-testid="opt-outage-ms" />
              ms
            </label>
          )}
          {scenario === "sentinel" && <p className="text-slate-500">none: Sentinel decides</p>}
        </div>
      </div>

      {drillsOff}
      {error && (
        <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1.5 font-mono text-xs text-rose-200" data-testid="drill-form-error">
          {error}
        </p>
      )}
      <button
        type="button"
        onClick={review}
        disabled={disabled || (needsTarget && !target) || !enabled.length}
        className="rounded bg-rose-600 px-3 py-1.5 text-xs font-semibold text-white hover:bg-rose-500 disabled:opacity-40"
        data-testid="drill-review"
      >
        Review and start…
      </button>

      {confirm && (
        <ConfirmDialog
          title={`Start a ${SCENARIO_TEXT[scenario].label.toLowerCase()} drill on "${chosen}"?`}
          confirmLabel={confirm.problems.length ? "Run anyway" : "Start drill"}
          busy={busy}
          error={dialogError}
          confirmDisabled={confirm.problems.length > 0 && !override}
          onConfirm={start}
          onCancel={() => {
            setConfirm(null);
            setBusy(false);
          }}
        >
          <p>{SCENARIO_TEXT[scenario].explain} Replicas may resync and acknowledged writes may be lost; a canary writes to the master throughout.</p>
          <p>
            Master now: <span className="font-mono text-slate-100">{confirm.oldMaster}</span>
            {confirm.target && (
              <>
                {" "}
                · promotes <span className="font-mono text-slate-100" data-testid="confirm-target">{confirm.target}</span>
              </>
            )}
          </p>
          <div>
            <p className="text-slate-400">It will touch every one of these nodes:</p>
            <ul className="mt-1 list-inside list-disc font-mono text-slate-100" data-testid="confirm-touches">
              {confirm.touches.map((t) => (
                <li key={t}>{t}</li>
              ))}
            </ul>
          </div>
          {confirm.problems.length > 0 ? (
            <div className="rounded border border-amber-500/40 bg-amber-950/30 p-2" data-testid="confirm-problems">
              <p className="font-semibold text-amber-200">Pre-checks failed:</p>
              <ul className="mt-1 list-inside list-disc text-amber-100">
                {confirm.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
              <label className="mt-2 flex items-center gap-2 text-amber-100">
                <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} data-testid="confirm-override" />
                run anyway (sends options.force)
              </label>
            </div>
          ) : (
            <p className="text-emerald-300" data-testid="confirm-prechecks-ok">
              Pre-checks passed: every replica is online and caught up.
            </p>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
