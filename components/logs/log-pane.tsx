"use client";
import { useEffect, useRef, useState } from "react";
import type { LogEntry } from "@/lib/logs/node-logs";
import { formatClock } from "@/lib/format";
import { useLogTail } from "@/components/realtime/use-channel";

const LEVEL_CLASS: Record<string, string> = {
  warning: "text-amber-300",
  notice: "text-slate-200",
  verbose: "text-slate-400",
  debug: "text-slate-500",
};
/** The node's log, live: new lines arrive on the shared socket (the last 1000 kept); pause keeps the view still. */
export function LogPane({ node, topology }: { node: string; topology?: string }) {
  const { lines, source, error } = useLogTail(node, topology);
  const [filter, setFilter] = useState("");
  const [paused, setPaused] = useState(false);
  const [onlyEvents, setOnlyEvents] = useState(false);
  const box = useRef<HTMLDivElement>(null);

  const [frozen, setFrozen] = useState<LogEntry[] | null>(null);
  const shown = (paused ? (frozen ?? lines) : lines).filter(
    (l) => (!onlyEvents || l.event) && (!filter || l.message.toLowerCase().includes(filter.toLowerCase())),
  );

  useEffect(() => {
    if (!paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown.length, paused]);

  if (source.status === "unreadable") {
    return (
      <p className="rounded-lg border border-slate-800 bg-slate-900/40 p-3 text-sm text-slate-300" data-testid="log-unreadable">
        Log not readable{source.path ? <> at <span className="font-mono">{source.path}</span></> : null}: {source.reason}. Events still come from INFO.
      </p>
    );
  }
  return (
    <div className="rounded-lg border border-slate-800 bg-slate-950" data-testid="log-pane" data-status={source.status}>
      <div className="flex flex-wrap items-center gap-3 border-b border-slate-800 px-3 py-2 text-xs">
        <span className="font-mono text-slate-400">{error ? <span className="text-amber-300">{error}</span> : source.status === "readable" ? source.path : "looking for the log file…"}</span>
        <input
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="filter"
          className="ml-auto w-48 rounded border border-slate-700 bg-slate-900 px-2 py-1 text-slate-100"
          data-testid="log-filter"
        />
        <label className="flex items-center gap-1 text-slate-300">
          <input type="checkbox" checked={onlyEvents} onChange={(e) => setOnlyEvents(e.target.checked)} /> replication events only
        </label>
        <button
          onClick={() => {
            setFrozen(paused ? null : lines);
            setPaused(!paused);
          }}
          className="rounded border border-slate-700 px-2 py-1 text-slate-200 hover:bg-slate-800"
          data-testid="log-pause"
        >
          {paused ? "Follow" : "Pause"}
        </button>
      </div>
      <div ref={box} className="h-72 overflow-y-auto px-3 py-2 font-mono text-[11px] leading-5">
        {shown.length === 0 && <p className="text-slate-500">No lines yet.</p>}
        {shown.map((l) => (
          <div key={l.seq} className={LEVEL_CLASS[l.level ?? "notice"] ?? "text-slate-200"}>
            <span className="text-slate-500">{l.at !== null ? formatClock(l.at) : "        "} </span>
            {l.message}
            {l.event && <span className="ml-2 rounded bg-sky-500/15 px-1 text-sky-300">{l.event}</span>}
          </div>
        ))}
      </div>
    </div>
  );
}
