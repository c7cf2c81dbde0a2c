import type { DrillStatus } from "@/lib/drills/types";
import { STATUS_TONE } from "./drill-text";

export function DrillStatusBadge({ status }: { status: DrillStatus }) {
  return (
    <span data-testid="drill-status" data-status={status} className={`rounded px-1.5 py-0.5 text-[10px] font-semibold tracking-wider uppercase ring-1 ${STATUS_TONE[status]}`}>
      {status}
    </span>
  );
}
