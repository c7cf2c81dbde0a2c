import { notFound } from "next/navigation";
import { DrillDetail } from "@/components/drills/drill-detail";
import { DRILL_ID } from "@/lib/http/drills-request";
import { findRuntime } from "@/lib/runtime";

export default async function DrillPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const drills = findRuntime()?.drills;
  if (!DRILL_ID.test(id) || (drills && !(await drills.get(id)))) notFound();
  return <DrillDetail id={id} />;
}
