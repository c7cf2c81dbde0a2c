"use client";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";

/** A fixed-height scrolling list that only mounts the rows in view, so 100,000 keys stay smooth. */
export function VirtualRows({ count, rowHeight, renderRow, testId }: { count: number; rowHeight: number; renderRow: (index: number) => React.ReactNode; testId?: string }) {
  const parent = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual is the documented way; its values are read during render on purpose
  const v = useVirtualizer({ count, getScrollElement: () => parent.current, estimateSize: () => rowHeight, overscan: 12 });
  return (
    <div ref={parent} className="h-full overflow-auto" data-testid={testId} data-rows={count}>
      <div style={{ height: v.getTotalSize(), position: "relative" }}>
        {v.getVirtualItems().map((item) => (
          <div key={item.key} style={{ position: "absolute", top: 0, left: 0, right: 0, height: rowHeight, transform: `translateY(${item.start}px)` }}>
            {renderRow(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
