"use client";
import { useCallback, useEffect, useState } from "react";
import type { HiddenKeyDetails } from "@/lib/keys/redact";
import type { KeyDetails } from "@/lib/keys/value";
import type { NodeView } from "@/lib/monitor/types";
import { formatBytes, formatNumber } from "@/lib/format";
import { apiJson } from "./api";
import { KeyActions } from "./key-actions";
import { TypeBadge } from "./key-rows";
import { SideBySideView } from "./side-by-side";
import { formatTtl, isEscaped } from "./token-text";
import { elementCount, mergeValue, ValueView } from "./value-view";

/** The browser never holds more than this many elements (or string bytes) of one value. */
const MAX_SHOWN_ELEMENTS = 5000;
const MAX_SHOWN_BYTES = 4 * 1024 * 1024;

/** Viewers get no value (or anything derived from it) when the config says viewerValues: false. */
type Shown = KeyDetails | HiddenKeyDetails;

function Meta({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div className="min-w-0">
      <div className="text-[10px] tracking-wide text-slate-400 uppercase">{label}</div>
      <div className="num truncate font-mono text-xs text-slate-100" data-testid={testId}>{value}</div>
    </div>
  );
}

export function KeyPanel({ node, topology, db, keyToken, nodes, onDeleted }: { node: string; topology: string; db: number; keyToken: string; nodes: NodeView[]; onDeleted: () => void }) {
  const [details, setDetails] = useState<Shown | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pretty, setPretty] = useState(true);
  const [moreBusy, setMoreBusy] = useState(false);
  const [version, setVersion] = useState(0);

  // The key name goes in the body: names over ~16 KB do not fit in a URL.
  const read = useCallback(
    (cursor?: string) =>
      apiJson<Shown>(`/api/nodes/${encodeURIComponent(node)}/key/read`, { method: "POST", body: JSON.stringify({ key: keyToken, db, topology, ...(cursor ? { cursor } : {}) }) }),
    [node, topology, db, keyToken],
  );

  useEffect(() => {
    let stale = false;
    void (async () => {
      try {
        const d = await read();
        if (!stale) {
          setDetails(d);
          setError(null);
        }
      } catch (err) {
        if (!stale) {
          setDetails(null);
          setError(err instanceof Error ? err.message : String(err));
        }
      }
    })();
    return () => {
      stale = true;
    };
  }, [read, version]);

  const loadMore = async () => {
    if (!details?.nextCursor || !details.value) return;
    setMoreBusy(true);
    try {
      const next = await read(details.nextCursor);
      setDetails(next.value ? { ...next, value: mergeValue(details.value, next.value) } : next);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setMoreBusy(false);
    }
  };

  if (!details) {
    return <div className="rounded-lg border border-slate-800 bg-slate-900/50 p-4 text-sm text-slate-400" data-testid="key-panel-error">{error ?? "Loading…"}</div>;
  }
  const value = details.value;
  const shown = value ? elementCount(value) : 0;
  const atLimit = value?.type === "string" ? shown >= MAX_SHOWN_BYTES : shown >= MAX_SHOWN_ELEMENTS;
  return (
    <div className="space-y-4" data-testid="key-panel" data-type={details.type}>
      <div className="space-y-3 rounded-lg border border-slate-800 bg-slate-900/50 p-3">
        <div className="flex items-start justify-between gap-3">
          <div className="flex min-w-0 items-center gap-2">
            <TypeBadge type={details.type} />
            <h2 className={`font-mono text-sm font-semibold break-all ${isEscaped(details.key) ? "text-amber-200" : "text-slate-50"}`} data-testid="key-name">
              {details.display}
            </h2>
          </div>
          <KeyActions keyToken={details.key} display={details.display} db={db} topology={topology} nodes={nodes} defaultNode={node} onDone={() => { setVersion((v) => v + 1); onDeleted(); }} />
        </div>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-5">
          <Meta label="TTL" value={formatTtl(details.ttl)} testId="key-ttl" />
          <Meta label={details.type === "string" ? "bytes" : "length"} value={formatNumber(details.length)} testId="key-length" />
          <Meta label="encoding" value={details.encoding ?? "—"} testId="key-encoding" />
          <Meta label="memory usage" value={formatBytes(details.memory)} testId="key-memory" />
          <Meta label="node · db" value={`${node} · ${db}`} />
        </div>
        <div className="flex items-center gap-3 text-[11px] text-slate-400">
          {value?.type === "string" && value.json && (
            <label className="flex items-center gap-1">
              <input type="checkbox" checked={pretty} onChange={(e) => setPretty(e.target.checked)} /> pretty JSON
            </label>
          )}
          {value?.type === "string" && value.format === "binary" && <span>binary value, shown as hex</span>}
          {details.truncated && <span data-testid="value-truncated">showing {formatNumber(shown)} of {formatNumber(details.length)}{value?.type === "string" ? " bytes" : ""}</span>}
        </div>
        <div className="max-h-[420px] overflow-auto rounded border border-slate-800 bg-slate-950/50 p-2" data-testid="key-value">
          {value ? <ValueView value={value} pretty={pretty} /> : <p className="text-xs text-slate-400" data-testid="value-hidden">Key values are hidden from viewers on this dashboard.</p>}
        </div>
        {details.nextCursor && (
          <div className="flex items-center gap-3 text-xs">
            <button type="button" onClick={loadMore} disabled={moreBusy || atLimit} className="rounded border border-slate-600 px-2 py-0.5 text-slate-200 hover:bg-slate-800 disabled:opacity-50" data-testid="value-more">
              {moreBusy ? "Loading…" : "Load more"}
            </button>
            {atLimit && <span className="text-slate-400">The browser shows at most {formatNumber(MAX_SHOWN_ELEMENTS)} elements of one value.</span>}
          </div>
        )}
      </div>
      <section>
        <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-300 uppercase">On every node</h3>
        <SideBySideView keyToken={details.key} db={db} topology={topology} refreshKey={version} />
      </section>
    </div>
  );
}
