"use client";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef } from "react";

/**
 * A fixed-height scrolling list that only mounts the rows in view, so 100,000 keys stay smooth.
 * onRange hears the first and last mounted row (overscan included) whenever they change, so a
 * caller can fetch details for exactly those rows.
 */
export function VirtualRows({ count, rowHeight, renderRow, testId, onRange }: { count: number; rowHeight: number; renderRow: (index: number) => React.ReactNode; testId?: string; onRange?: (first: number, last: number) => void }) {
  const parent = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual is the documented way; its values are read during render on purpose
  const v = useVirtualizer({ count, getScrollElement: () => parent.current, estimateSize: () => rowHeight, overscan: 12 });
  const items = v.getVirtualItems();
  const first = items[0]?.index ?? -1;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (first >= 0) onRange?.(first, last);
  }, [first, last, onRange]);
  return (
    <div ref={parent} className="h-full overflow-auto" data-testid={testId} data-rows={count}>
      <div style={{ height: v.getTotalSize(), position: "relative" }}>
        {items.map((item) => (
          <div key={item.key} style={{ position: "absolute", top: 0, left: 0, right: 0, height: rowHeight, transform: `translateY(${item.start}px)` }}>
            {renderRow(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
