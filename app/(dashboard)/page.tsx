import { Suspense } from "react";
import { Overview } from "@/components/topology/overview";

export default function OverviewPage() {
  return (
    <Suspense>
      <Overview />
    </Suspense>
  );
}
