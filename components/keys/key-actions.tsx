"use client";
import { useState } from "react";
import type { NodeView } from "@/lib/monitor/types";
import { apiJson } from "./api";
import { ConfirmDialog } from "./confirm-dialog";

type Action = "delete" | "ttl";

/** Delete a key or change its TTL on a chosen node, after an explicit confirmation. */
export function KeyActions({ keyToken, display, db, topology, nodes, defaultNode, onDone }: {
  keyToken: string;
  display: string;
  db: number;
  topology: string;
  nodes: NodeView[];
  defaultNode: string;
  onDone: () => void;
}) {
  const [action, setAction] = useState<Action | null>(null);
  const [target, setTarget] = useState(defaultNode);
  const [ttl, setTtl] = useState("3600");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const node = nodes.find((n) => n.id === target);
  const ttlValue = Number(ttl);
  const ttlValid = Number.isInteger(ttlValue) && (ttlValue === -1 || ttlValue > 0);

  const open = (a: Action) => {
    setAction(a);
    setTarget(defaultNode);
    setError(null);
  };
  const run = async () => {
    setBusy(true);
    setError(null);
    // The key name goes in the body: names over ~16 KB do not fit in a URL.
    const base = `/api/nodes/${encodeURIComponent(target)}/key`;
    try {
      if (action === "delete") await apiJson(`${base}/delete`, { method: "POST", body: JSON.stringify({ key: keyToken, db, topology }) });
      else await apiJson(`${base}/ttl`, { method: "POST", body: JSON.stringify({ key: keyToken, db, ttl: ttlValue, topology }) });
      setAction(null);
      onDone();
    } catch (err) {
      // Shown verbatim: a read-only replica's "READONLY You can't write…" is the answer the operator needs.
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div className="flex gap-2">
        <button type="button" onClick={() => open("ttl")} data-testid="action-ttl" className="rounded border border-slate-600 px-2 py-0.5 text-xs text-slate-200 hover:bg-slate-800">
          Set TTL…
        </button>
        <button type="button" onClick={() => open("delete")} data-testid="action-delete" className="rounded border border-rose-500/50 px-2 py-0.5 text-xs text-rose-300 hover:bg-rose-950/50">
          Delete…
        </button>
      </div>
      {action && (
        <ConfirmDialog
          title={action === "delete" ? "Delete this key?" : "Change this key's TTL?"}
          confirmLabel={action === "delete" ? "Delete key" : ttlValue === -1 ? "Remove expiry" : `Expire in ${ttl}s`}
          busy={busy || (action === "ttl" && !ttlValid)}
          error={error}
          danger={action === "delete"}
          onConfirm={run}
          onCancel={() => setAction(null)}
        >
          <p>
            Key <span className="font-mono break-all text-slate-50">{display}</span> in db {db}
          </p>
          <label className="flex items-center gap-2">
            on node
            <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid="action-node" className="rounded border border-slate-700 bg-slate-950 px-1 py-0.5 font-mono">
              {nodes.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.id} ({n.role}{n.readOnly === false ? ", writable" : ""})
                </option>
              ))}
            </select>
          </label>
          {action === "ttl" && (
            <label className="flex items-center gap-2">
              TTL in seconds (-1 removes the expiry)
              <input value={ttl} onChange={(e) => setTtl(e.target.value)} data-testid="action-ttl-value" className="w-28 rounded border border-slate-700 bg-slate-950 px-1 py-0.5 font-mono" />
            </label>
          )}
          {node?.role === "replica" && node.readOnly !== false && <p className="text-amber-300">This replica is read-only: Redis will refuse the write and say so.</p>}
          {node?.role === "replica" && node.readOnly === false && <p className="text-amber-300">This replica is writable: the change stays on it only and is lost at the next full resync.</p>}
          {node?.role === "master" && <p>The change replicates to every replica.</p>}
        </ConfirmDialog>
      )}
    </>
  );
}
