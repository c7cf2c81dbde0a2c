import { Suspense } from "react";
import { TimelineView } from "@/components/timeline/timeline-view";

export default function TimelinePage() {
  return (
    <Suspense>
      <TimelineView />
    </Suspense>
  );
}
