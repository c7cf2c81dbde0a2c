import type { PersistenceBadge } from "@/lib/monitor/types";

/** The overview card's persistence hazards: a few words each, the full sentence on hover. */
export function PersistenceBadges({ badges, stale }: { badges: PersistenceBadge[] | undefined; stale: boolean }) {
  if (!badges || badges.length === 0) return null;
  return (
    <div className="mt-1 flex flex-wrap gap-1" data-testid="persistence-badges" data-stale={stale ? "true" : undefined}>
      {badges.map((b) => (
        <span
          key={b.kind}
          title={stale ? `last seen: ${b.text}` : b.text}
          data-testid={`persistence-badge-${b.kind}`}
          className={`rounded px-1.5 py-0.5 text-[10px] font-semibold ${b.severity === "critical" ? "bg-rose-500/20 text-rose-200" : "bg-amber-500/20 text-amber-200"} ${stale ? "opacity-50" : ""}`}
        >
          {b.badge}
        </span>
      ))}
    </div>
  );
}
