"use client";
import Link from "next/link";
import { formatBytes, formatClock, formatDuration, formatNumber } from "@/lib/format";
import type { Hazard } from "@/lib/persistence/hazards";
import type { PersistenceReport } from "@/lib/persistence/of-state";
import { useLiveTopology } from "@/components/realtime/socket-provider";

const HAZARD_CLASS: Record<Hazard["severity"], string> = {
  critical: "border-rose-500/40 bg-rose-950/30 text-rose-200",
  warning: "border-amber-500/40 bg-amber-950/20 text-amber-200",
  info: "border-slate-700 bg-slate-900/40 text-slate-300",
};

function Row({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="flex items-baseline justify-between gap-3 border-t border-slate-800/60 py-1 text-xs first:border-t-0">
      <span className="text-slate-400">{label}</span>
      <span className="num text-right font-mono break-all text-slate-100" data-testid={testId}>
        {children}
      </span>
    </div>
  );
}

function yesNo(v: boolean | null): string {
  return v === null ? "unknown" : v ? "yes" : "no";
}

/**
 * The node's persistence, from the node channel (lib/persistence via buildNodeDetail): `report`
 * undefined while the feed has none, `connected` false when the socket is down (then nothing
 * here is current, whatever the report said when it came).
 */
export function PersistencePanel({ id, topology, masterId, report, connected }: { id: string; topology: string; masterId: string | null; report: PersistenceReport | null | undefined; connected: boolean }) {
  const error = connected ? null : "live updates are not connected";
  // The server's clock, ticking every second: ages are counted on the same clock as sampledAt.
  const { now } = useLiveTopology();
  // The plan for this node's replication group: its own when it is a master, its master's otherwise.
  const group = masterId ?? (report?.role === "master" ? id : null);
  const planHref = `/restore-plan?topology=${encodeURIComponent(topology)}${group ? `&master=${encodeURIComponent(group)}` : ""}`;
  if (!report) {
    return (
      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4" data-testid="persistence-panel" data-freshness="loading">
        <h2 className="mb-2 text-sm font-semibold text-slate-300">Persistence</h2>
        <p className="text-xs text-slate-400">{error ? `Unknown: ${error}` : "Loading…"}</p>
      </section>
    );
  }
  const v = report.view;
  const f = report.freshness;
  const ageMs = report.sampledAt === null ? null : Math.max(0, now - report.sampledAt);
  // Current only while the server says so, the socket is up and the sample is young by our clock too.
  const current = f.kind === "current" && !error && ageMs !== null && ageMs <= report.freshForMs;
  return (
    <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4" data-testid="persistence-panel" data-freshness={current ? "current" : f.kind === "unknown" ? "unknown" : "last-seen"}>
      <div className="mb-2 flex flex-wrap items-center gap-2">
        <h2 className="text-sm font-semibold text-slate-300">Persistence</h2>
        <span className={`text-xs ${current ? "text-slate-500" : "text-amber-300"}`} data-testid="persistence-freshness">
          {f.kind === "unknown"
            ? `unknown — ${f.reason}`
            : current
              ? `read ${formatClock(report.sampledAt)}`
              : `last seen ${formatDuration(ageMs)} ago — not current${f.kind === "last-seen" ? ` (${f.reason})` : ""}${error ? ` (${error})` : ""}`}
        </span>
        <Link href={planHref} className="ml-auto text-xs text-sky-300 hover:underline" data-testid="restore-plan-link">
          Restoring an RDB into this topology →
        </Link>
      </div>

      {report.hazards.length > 0 && (
        <ul className={`mb-3 space-y-1.5 ${current ? "" : "opacity-60"}`} data-testid="persistence-hazards">
          {report.hazards.map((h) => (
            <li key={h.kind} className={`rounded border px-2.5 py-1.5 text-xs ${HAZARD_CLASS[h.severity]}`} data-testid={`hazard-${h.kind}`} data-severity={h.severity}>
              <span className="font-semibold">{h.badge}: </span>
              {h.text}
            </li>
          ))}
        </ul>
      )}

      {!v ? (
        <p className="text-xs text-slate-400" data-testid="persistence-unknown">
          No INFO persistence from this node yet: everything here is unknown.
        </p>
      ) : (
        <div className={`grid gap-4 md:grid-cols-3 ${current ? "" : "opacity-60"}`} data-stale={current ? undefined : "true"}>
          <div>
            <h3 className="mb-1 text-[11px] tracking-wide text-slate-400 uppercase">RDB</h3>
            <Row label="last save" testId="rdb-last-save">
              {v.rdb.lastSaveTime === null
                ? "unknown"
                : v.rdb.saves === 0
                  ? `none since start (${formatDuration((v.uptimeSeconds ?? 0) * 1000)} ago)`
                  : `${new Date(v.rdb.lastSaveTime).toISOString().replace("T", " ").slice(0, 19)} · ${formatDuration((v.rdb.lastSaveAgeSeconds ?? 0) * 1000)} ago`}
            </Row>
            <Row label="last save was" testId="rdb-last-save-cause">
              {v.rdb.lastSaveCause === "replication" ? "a full sync (not a backup)" : v.rdb.lastSaveCause === "save" ? "a save of its own" : "not seen move yet"}
            </Row>
            <Row label="last BGSAVE" testId="rdb-bgsave-status">
              {v.rdb.lastBgsaveStatus ?? "unknown"}
              {v.rdb.lastBgsaveSeconds !== null ? ` · took ${v.rdb.lastBgsaveSeconds}s` : ""}
            </Row>
            <Row label="BGSAVE now" testId="rdb-bgsave-now">
              {v.rdb.bgsaveInProgress === null ? "unknown" : v.rdb.bgsaveInProgress ? `running for ${v.rdb.bgsaveElapsedSeconds ?? "?"}s` : "no"}
            </Row>
            <Row label="changes since save">{formatNumber(v.rdb.changesSinceLastSave)}</Row>
            <Row label="saves since start">{formatNumber(v.rdb.saves)}</Row>
            <Row label="last copy-on-write">{formatBytes(v.rdb.lastCowBytes)}</Row>
            <Row label="last load">
              {formatNumber(v.rdb.lastLoadKeysLoaded)} keys · {formatNumber(v.rdb.lastLoadKeysExpired)} expired
            </Row>
          </div>
          <div>
            <h3 className="mb-1 text-[11px] tracking-wide text-slate-400 uppercase">AOF</h3>
            <Row label="enabled" testId="aof-enabled">
              {yesNo(v.aof.enabled)}
            </Row>
            <Row label="rewrite">{v.aof.rewriteInProgress ? `running for ${v.aof.rewriteElapsedSeconds ?? "?"}s` : v.aof.rewriteScheduled ? "scheduled" : v.aof.rewriteInProgress === null ? "unknown" : "no"}</Row>
            <Row label="last write">{v.aof.lastWriteStatus ?? "unknown"}</Row>
            <Row label="last rewrite">{v.aof.lastBgrewriteStatus ?? "unknown"}</Row>
            <Row label="size · base">{v.aof.enabled ? `${formatBytes(v.aof.currentSize)} · ${formatBytes(v.aof.baseSize)}` : "— (AOF off)"}</Row>
          </div>
          <div>
            <h3 className="mb-1 text-[11px] tracking-wide text-slate-400 uppercase">Config</h3>
            <Row label="save" testId="config-save">
              {v.config.save === null ? "unknown (CONFIG refused or not read)" : v.config.save === "" ? '"" (no save points)' : v.config.save}
            </Row>
            <Row label="appendonly">{yesNo(v.config.appendonly)}</Row>
            <Row label="config read">{v.config.readAt === null ? "—" : `${formatDuration(Math.max(0, now - v.config.readAt))} ago`}</Row>
            <Row label="no-save threshold">{formatDuration(report.noSaveSeconds * 1000)}</Row>
          </div>
        </div>
      )}
    </section>
  );
}
