"use client";
// Folder view over a keyspace of any size: the server counts one ~40 ms SCAN step at a time
// (GET /keys/tree), this component adds the steps up and renders after each one, so the root of a
// 1,000,000-key db shows folders at once and its counts grow while the walk goes on. Opening a
// folder walks that prefix the same way. Counts are SCAN's, one pass: "about" while walking.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { formatNumber } from "@/lib/format";
import { apiJson } from "./api";
import { KeyRow, ROW, type ListedKey } from "./key-rows";
import type { Descriptions } from "./use-descriptions";
import { VirtualRows } from "./virtual-rows";

interface FolderCount {
  name: string;
  /** Token of the folder's full prefix, separator included. */
  prefix: string;
  count: number;
}

interface Step {
  cursor: string;
  examined: number;
  folders: FolderCount[];
  otherFolders: number;
  otherKeys: number;
  leaves: { key: string; display: string }[];
  leafCount: number;
  dbsize: number;
}

type Status = "walking" | "stopped" | "done" | "error";

interface Level {
  cursor: string;
  examined: number;
  dbsize: number;
  status: Status;
  error?: string;
  folders: Map<string, FolderCount>;
  leaves: ListedKey[];
  leafCount: number;
  /** Keys under folders not listed (the server lists 1,000 new folders per step, this view 5,000). */
  otherKeys: number;
}

const MAX_FOLDERS = 5000;
const MAX_LEAVES = 1000;
const collator = new Intl.Collator("en", { numeric: true });

function emptyLevel(): Level {
  return { cursor: "0", examined: 0, dbsize: 0, status: "walking", folders: new Map(), leaves: [], leafCount: 0, otherKeys: 0 };
}

/** A level with one more step added: counts summed per folder, bounded lists. */
function merge(prev: Level, step: Step): Level {
  const folders = new Map(prev.folders);
  let otherKeys = prev.otherKeys + step.otherKeys;
  for (const f of step.folders) {
    const known = folders.get(f.prefix);
    if (known) folders.set(f.prefix, { ...known, count: known.count + f.count });
    else if (folders.size < MAX_FOLDERS) folders.set(f.prefix, f);
    else otherKeys += f.count;
  }
  const room = MAX_LEAVES - prev.leaves.length;
  const leaves = room > 0 && step.leaves.length > 0 ? [...prev.leaves, ...step.leaves.slice(0, room).map((l) => ({ ...l, type: null, ttl: null }))] : prev.leaves;
  return { ...prev, cursor: step.cursor, examined: prev.examined + step.examined, dbsize: step.dbsize, folders, leaves, leafCount: prev.leafCount + step.leafCount, otherKeys, status: step.cursor === "0" ? "done" : prev.status };
}

type Row =
  | { kind: "folder"; folder: FolderCount; depth: number; about: boolean }
  | { kind: "key"; key: ListedKey; depth: number; label: string }
  | { kind: "note"; depth: number; text: string; prefix?: string; level?: Level };

function flatten(levels: Map<string, Level>, open: Set<string>, separator: string): Row[] {
  const rows: Row[] = [];
  const walk = (prefix: string, shownPrefix: string, depth: number) => {
    const level = levels.get(prefix);
    if (!level) return;
    if (depth > 0 && level.status !== "done") rows.push({ kind: "note", depth, text: "", prefix, level });
    const folders = [...level.folders.values()].sort((a, b) => collator.compare(a.name, b.name));
    for (const folder of folders) {
      rows.push({ kind: "folder", folder, depth, about: level.status !== "done" });
      if (open.has(folder.prefix)) walk(folder.prefix, shownPrefix + folder.name + separator, depth + 1);
    }
    if (level.otherKeys > 0) rows.push({ kind: "note", depth, text: `+ ${formatNumber(level.otherKeys)} keys in further folders (too many to list: narrow with a pattern in the list view)` });
    for (const k of level.leaves) rows.push({ kind: "key", key: k, depth, label: k.display.startsWith(shownPrefix) ? k.display.slice(shownPrefix.length) || separator : k.display });
    if (level.leafCount > level.leaves.length) rows.push({ kind: "note", depth, text: `+ ${formatNumber(level.leafCount - level.leaves.length)} more keys here (first ${formatNumber(MAX_LEAVES)} shown; use the list view with a pattern)` });
    if (depth === 0 && level.status === "done" && level.folders.size === 0 && level.leafCount === 0) rows.push({ kind: "note", depth, text: "No keys." });
  };
  walk("", "", 0);
  return rows;
}

function progress(level: Level): string {
  const of = `${formatNumber(level.examined)} of ~${formatNumber(level.dbsize)} examined`;
  if (level.status === "walking") return `counting… ${of}`;
  if (level.status === "stopped") return `stopped at ${of}; counts so far`;
  if (level.status === "error") return `failed: ${level.error ?? "error"}`;
  return "counts from one SCAN pass (keys written meanwhile may be missed or counted twice)";
}

export interface KeyTreeProps {
  node: string;
  topology: string;
  db: number;
  type: string;
  separator: string;
  /** Bumped to walk again from the root. */
  restart: number;
  selected: string | null;
  onOpen: (k: ListedKey) => void;
  descriptions: Descriptions;
}

export function KeyTree({ node, topology, db, type, separator, restart, selected, onOpen, descriptions }: KeyTreeProps) {
  const [levels, setLevels] = useState<Map<string, Level>>(() => new Map());
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const generation = useRef(0);
  const stopRequested = useRef(new Set<string>());
  const sep = separator || ":";

  const update = useCallback((prefix: string, change: (l: Level) => Level) => {
    setLevels((prev) => {
      const next = new Map(prev);
      next.set(prefix, change(prev.get(prefix) ?? emptyLevel()));
      return next;
    });
  }, []);

  /** Steps through `prefix` from `cursor` until the end, a stop, or a newer walk. */
  const walk = useCallback(
    async (prefix: string, from: string, gen: number) => {
      stopRequested.current.delete(prefix);
      update(prefix, (l) => ({ ...l, status: "walking", error: undefined }));
      let cursor = from;
      try {
        do {
          const q = new URLSearchParams({ db: String(db), separator: sep, cursor });
          if (topology) q.set("topology", topology);
          if (type) q.set("type", type);
          if (prefix) q.set("prefix", prefix);
          const step = await apiJson<Step>(`/api/nodes/${encodeURIComponent(node)}/keys/tree?${q}`);
          if (gen !== generation.current) return;
          update(prefix, (l) => merge(l, step));
          cursor = step.cursor;
          if (cursor !== "0" && stopRequested.current.has(prefix)) {
            update(prefix, (l) => ({ ...l, status: "stopped" }));
            return;
          }
        } while (cursor !== "0");
      } catch (err) {
        if (gen === generation.current) update(prefix, (l) => ({ ...l, status: "error", error: err instanceof Error ? err.message : String(err) }));
      }
    },
    [node, topology, db, type, sep, update],
  );

  useEffect(() => {
    if (!node) return;
    const counter = generation;
    const gen = ++counter.current;
    // Resetting the view is the point of this effect (another node, db, type or separator).
    setLevels(new Map([["", emptyLevel()]]));
    setOpen(new Set());
    void walk("", "0", gen);
    return () => {
      counter.current++; // stops this walk's loop
    };
  }, [node, walk, restart]);

  const stop = (prefix: string) => stopRequested.current.add(prefix);
  const resume = (prefix: string) => void walk(prefix, levels.get(prefix)?.cursor ?? "0", generation.current);

  const toggle = (prefix: string) => {
    const next = new Set(open);
    if (next.has(prefix)) {
      next.delete(prefix);
      if (levels.get(prefix)?.status === "walking") stop(prefix);
    } else {
      next.add(prefix);
      const level = levels.get(prefix);
      if (!level) void walk(prefix, "0", generation.current); else if (level.status === "stopped" || level.status === "error") resume(prefix);
    }
    setOpen(next);
  };

  const rows = useMemo(() => flatten(levels, open, sep), [levels, open, sep]);
  const { want, get } = descriptions;
  const onRange = useCallback(
    (first: number, last: number) => {
      const tokens: string[] = [];
      for (let i = first; i <= last; i++) {
        const row = rows[i];
        if (row?.kind === "key") tokens.push(row.key.key);
      }
      if (tokens.length > 0) want(tokens);
    },
    [rows, want],
  );

  const root = levels.get("");
  const control = "rounded border px-1.5 py-0.5 text-[11px]";
  return (
    <div className="flex h-full flex-col">
      {root && (
        <div className="flex items-center gap-2 border-b border-slate-800 px-3 py-1.5 text-[11px] text-slate-400" data-testid="tree-status" data-state={root.status}>
          <span className="num min-w-0 flex-1">{progress(root)}</span>
          {root.status === "walking" && <button type="button" onClick={() => stop("")} className={`${control} border-amber-500/60 text-amber-300`} data-testid="tree-stop">Stop</button>}
          {(root.status === "stopped" || root.status === "error") && <button type="button" onClick={() => resume("")} className={`${control} border-slate-600 text-slate-200 hover:bg-slate-800`} data-testid="tree-continue">Continue</button>}
        </div>
      )}
      <div className="min-h-0 flex-1">
        <VirtualRows
          count={rows.length}
          rowHeight={ROW}
          testId="key-tree"
          onRange={onRange}
          renderRow={(i) => {
            const row = rows[i];
            if (!row) return null;
            const pad = { paddingLeft: 8 + row.depth * 14 };
            if (row.kind === "key") return <KeyRow k={row.key} d={get(row.key.key)} selected={row.key.key === selected} onOpen={onOpen} indent={row.depth} label={row.label} />;
            if (row.kind === "note") {
              if (row.level && row.prefix !== undefined) {
                const p = row.prefix;
                const l = row.level;
                return (
                  <div className="flex h-full items-center gap-2 border-b border-slate-800/60 px-2 text-[11px] text-slate-500" style={pad} data-testid="folder-status">
                    <span className="num min-w-0 flex-1 truncate">{progress(l)}</span>
                    {l.status === "walking" ? (
                      <button type="button" onClick={() => stop(p)} className={`${control} border-amber-500/60 text-amber-300`}>Stop</button>
                    ) : (
                      <button type="button" onClick={() => resume(p)} className={`${control} border-slate-600 text-slate-200`}>Continue</button>
                    )}
                  </div>
                );
              }
              return <div className="flex h-full items-center truncate border-b border-slate-800/60 px-2 text-[11px] text-slate-500" style={pad} data-testid="tree-note">{row.text}</div>;
            }
            const isOpen = open.has(row.folder.prefix);
            return (
              <button
                type="button"
                onClick={() => toggle(row.folder.prefix)}
                data-testid="tree-folder"
                data-prefix={row.folder.prefix}
                data-count={row.folder.count}
                data-about={row.about}
                className="flex h-full w-full items-center gap-2 border-b border-slate-800/60 px-2 text-left text-xs hover:bg-slate-800/60"
                style={pad}
              >
                <span className="w-3 text-slate-500">{isOpen ? "▾" : "▸"}</span>
                <span className="min-w-0 flex-1 truncate font-mono text-slate-200">
                  {row.folder.name || "(empty)"}
                  <span className="text-slate-500">{sep}</span>
                </span>
                <span className="num shrink-0 font-mono text-[11px] text-slate-400" title={row.about ? "about: the walk is still counting" : "from one SCAN pass"}>
                  {row.about ? "~" : ""}
                  {formatNumber(row.folder.count)}
                </span>
              </button>
            );
          }}
        />
      </div>
    </div>
  );
}
