"use client";
import { useMemo, useState } from "react";
import { buildKeyTree, type KeyFolder } from "@/lib/keys/tree";
import { formatNumber } from "@/lib/format";
import { formatTtl, isEscaped, TYPE_COLORS } from "./token-text";
import { VirtualRows } from "./virtual-rows";

export interface ListedKey {
  key: string;
  display: string;
  type: string;
  ttl: number;
}

const ROW = 28;

export function TypeBadge({ type }: { type: string }) {
  return <span className={`inline-block w-14 shrink-0 rounded px-1 text-center text-[10px] font-semibold uppercase ring-1 ${TYPE_COLORS[type] ?? "text-slate-300 ring-slate-600"}`}>{type}</span>;
}

function KeyRow({ k, selected, onOpen, indent = 0, label }: { k: ListedKey; selected: boolean; onOpen: (k: ListedKey) => void; indent?: number; label?: string }) {
  return (
    <button
      type="button"
      onClick={() => onOpen(k)}
      data-testid="key-row"
      data-key={k.key}
      className={`flex h-full w-full items-center gap-2 border-b border-slate-800/60 px-2 text-left text-xs ${selected ? "bg-sky-500/15" : "hover:bg-slate-800/60"}`}
      style={{ paddingLeft: 8 + indent * 14 }}
    >
      <TypeBadge type={k.type} />
      <span className={`min-w-0 flex-1 truncate font-mono ${isEscaped(k.key) ? "text-amber-200" : "text-slate-100"}`} title={k.display}>
        {label ?? k.display}
      </span>
      <span className="num w-20 shrink-0 text-right font-mono text-[11px] text-slate-400">{k.ttl === -1 ? "" : formatTtl(k.ttl)}</span>
    </button>
  );
}

export function KeyList({ keys, selected, onOpen }: { keys: ListedKey[]; selected: string | null; onOpen: (k: ListedKey) => void }) {
  return <VirtualRows count={keys.length} rowHeight={ROW} testId="key-list" renderRow={(i) => { const k = keys[i]; return k ? <KeyRow k={k} selected={k.key === selected} onOpen={onOpen} /> : null; }} />;
}

type TreeRow = { kind: "folder"; folder: KeyFolder<ListedKey>; depth: number } | { kind: "key"; key: ListedKey; depth: number; label: string };

function flatten(root: KeyFolder<ListedKey>, open: Set<string>, separator: string): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (f: KeyFolder<ListedKey>, depth: number) => {
    for (const child of f.folders) {
      rows.push({ kind: "folder", folder: child, depth });
      if (open.has(child.prefix)) walk(child, depth + 1);
    }
    for (const k of f.keys) rows.push({ kind: "key", key: k, depth, label: k.display.slice(f.prefix.length) || separator });
  };
  walk(root, 0);
  return rows;
}

/** Folder view by separator; folders open on click, and only visible rows are mounted. */
export function KeyTree({ keys, separator, selected, onOpen }: { keys: ListedKey[]; separator: string; selected: string | null; onOpen: (k: ListedKey) => void }) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const tree = useMemo(() => buildKeyTree(keys, { separator: separator || ":", nameOf: (k) => k.display }), [keys, separator]);
  const rows = useMemo(() => flatten(tree, open, separator), [tree, open, separator]);
  const toggle = (prefix: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(prefix)) next.delete(prefix);
      else next.add(prefix);
      return next;
    });
  return (
    <VirtualRows
      count={rows.length}
      rowHeight={ROW}
      testId="key-tree"
      renderRow={(i) => {
        const row = rows[i];
        if (!row) return null;
        if (row.kind === "key") return <KeyRow k={row.key} selected={row.key.key === selected} onOpen={onOpen} indent={row.depth} label={row.label} />;
        const isOpen = open.has(row.folder.prefix);
        return (
          <button
            type="button"
            onClick={() => toggle(row.folder.prefix)}
            data-testid="tree-folder"
            className="flex h-full w-full items-center gap-2 border-b border-slate-800/60 px-2 text-left text-xs hover:bg-slate-800/60"
            style={{ paddingLeft: 8 + row.depth * 14 }}
          >
            <span className="w-3 text-slate-500">{isOpen ? "▾" : "▸"}</span>
            <span className="min-w-0 flex-1 truncate font-mono text-slate-200">
              {row.folder.name || "(empty)"}
              <span className="text-slate-500">{separator}</span>
            </span>
            <span className="num shrink-0 font-mono text-[11px] text-slate-400">{formatNumber(row.folder.count)}</span>
          </button>
        );
      }}
    />
  );
}
