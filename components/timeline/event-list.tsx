import type { TimelineEvent } from "@/lib/timeline/types";
import { formatClock } from "@/lib/format";

const TONE: Record<TimelineEvent["severity"], string> = {
  info: "bg-slate-500",
  warning: "bg-amber-400",
  critical: "bg-rose-500",
};

export function EventList({ events, empty = "Nothing has happened yet." }: { events: TimelineEvent[]; empty?: string }) {
  if (events.length === 0) return <p className="py-6 text-center text-sm text-slate-400">{empty}</p>;
  return (
    <ol className="divide-y divide-slate-800" data-testid="event-list">
      {[...events].reverse().map((e) => (
        <li key={`${e.topology}-${e.id}`} className="flex items-start gap-3 py-1.5 text-xs" data-kind={e.kind}>
          <span className="num w-16 shrink-0 font-mono text-slate-400">{formatClock(e.at)}</span>
          <span className={`mt-1 h-2 w-2 shrink-0 rounded-full ${TONE[e.severity]}`} />
          <span className="min-w-0 flex-1 text-slate-200">{e.text}</span>
          <span className="hidden shrink-0 font-mono text-[10px] text-slate-500 md:inline">{e.kind}</span>
        </li>
      ))}
    </ol>
  );
}
