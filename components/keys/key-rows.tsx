"use client";
import { useCallback } from "react";
import { formatBytes, formatNumber } from "@/lib/format";
import { formatTtl, isEscaped, TYPE_COLORS } from "./token-text";
import type { Described, Descriptions } from "./use-descriptions";
import { VirtualRows } from "./virtual-rows";

export interface ListedKey {
  key: string;
  display: string;
  /** Known from a TYPE filter (or a literal lookup); else null until the row is described. */
  type: string | null;
  /** Seconds, -1 = no expiry; null until described. */
  ttl: number | null;
  /** Whole-cluster browse: the key's slot, its shard (master node id) and that master's address. */
  slot?: number;
  shard?: string;
  shardMaster?: string | null;
}

export const ROW = 28;

export function TypeBadge({ type }: { type: string }) {
  return <span className={`inline-block w-14 shrink-0 rounded px-1 text-center text-[10px] font-semibold uppercase ring-1 ${TYPE_COLORS[type] ?? "text-slate-300 ring-slate-600"}`}>{type}</span>;
}

/** What a row shows: the listing's own facts, overlaid by its description once that arrived. */
function rowFacts(k: ListedKey, d: Described | undefined) {
  if (d && "missing" in d) return { state: "gone" as const, type: null, ttl: null, length: null, memory: null };
  if (d) return { state: "described" as const, ...d };
  return { state: "pending" as const, type: k.type, ttl: k.ttl, length: null, memory: null };
}

function sizeTitle(type: string | null, length: number | null, memory: number | null): string {
  const len = length === null ? "" : type === "string" ? `${formatNumber(length)} bytes` : `${formatNumber(length)} ${type === "stream" ? "entries" : "elements"}`;
  const mem = memory === null ? "memory not reported" : `~${formatBytes(memory)} in memory (MEMORY USAGE, 5 samples)`;
  return len ? `${len}; ${mem}` : mem;
}

export function KeyRow({ k, d, selected, onOpen, indent = 0, label }: { k: ListedKey; d: Described | undefined; selected: boolean; onOpen: (k: ListedKey) => void; indent?: number; label?: string }) {
  const f = rowFacts(k, d);
  const pending = <span className="inline-block h-2 w-8 animate-pulse rounded bg-slate-700/70" aria-label="not read yet" />;
  return (
    <button
      type="button"
      onClick={() => onOpen(k)}
      data-testid="key-row"
      data-key={k.key}
      data-type={f.type ?? ""}
      data-state={f.state}
      className={`flex h-full w-full items-center gap-2 border-b border-slate-800/60 px-2 text-left text-xs ${selected ? "bg-sky-500/15" : "hover:bg-slate-800/60"}`}
      style={{ paddingLeft: 8 + indent * 14 }}
    >
      {f.state === "gone" ? (
        <span className="inline-block w-14 shrink-0 rounded px-1 text-center text-[10px] font-semibold uppercase text-rose-300 ring-1 ring-rose-500/40" title="no longer on this node">gone</span>
      ) : f.type ? (
        <TypeBadge type={f.type} />
      ) : (
        <span className="inline-block w-14 shrink-0 rounded px-1 text-center text-[10px] text-slate-500 ring-1 ring-slate-700" data-testid="type-pending">…</span>
      )}
      <span className={`min-w-0 flex-1 truncate font-mono ${f.state === "gone" ? "text-slate-500 line-through" : isEscaped(k.key) ? "text-amber-200" : "text-slate-100"}`} title={k.display}>
        {label ?? k.display}
      </span>
      {k.slot !== undefined && (
        <>
          <span className="num w-12 shrink-0 text-right font-mono text-[11px] text-slate-400" data-testid="key-slot" title="hash slot">{k.slot}</span>
          <span className="w-28 shrink-0 truncate font-mono text-[11px] text-slate-500" data-testid="key-shard" title={`shard ${k.shard ?? ""}`}>{k.shardMaster ?? k.shard?.slice(0, 12)}</span>
        </>
      )}
      <span className="num w-14 shrink-0 text-right font-mono text-[11px] text-slate-400" data-testid="key-size" title={f.state === "described" ? sizeTitle(f.type, f.length, f.memory) : undefined}>
        {f.state === "described" ? (f.memory === null ? "" : formatBytes(f.memory)) : f.state === "pending" ? pending : ""}
      </span>
      <span className="num w-16 shrink-0 text-right font-mono text-[11px] text-slate-400" data-testid="key-ttl">
        {f.ttl === null ? (f.state === "pending" ? pending : "") : f.ttl === -1 ? "" : formatTtl(f.ttl)}
      </span>
    </button>
  );
}

export function KeyList({ keys, selected, onOpen, descriptions }: { keys: ListedKey[]; selected: string | null; onOpen: (k: ListedKey) => void; descriptions: Descriptions }) {
  const { want, get } = descriptions;
  const onRange = useCallback((first: number, last: number) => want(keys.slice(first, last + 1).map((k) => k.key)), [keys, want]);
  return (
    <VirtualRows
      count={keys.length}
      rowHeight={ROW}
      testId="key-list"
      onRange={onRange}
      renderRow={(i) => {
        const k = keys[i];
        return k ? <KeyRow k={k} d={get(k.key)} selected={k.key === selected} onOpen={onOpen} /> : null;
      }}
    />
  );
}
