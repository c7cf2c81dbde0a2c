import { notFound } from "next/navigation";
import { DrillDetail } from "@/components/drills/drill-detail";
import { DRILL_ID } from "@/lib/http/drills-request";
import { findRuntime } from "@/lib/runtime";

export default async function DrillPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const drill = DRILL_ID.test(id) ? await findRuntime()?.drills.get(id) : undefined;
  if (!DRILL_ID.test(id) || (findRuntime() && !drill)) notFound();
  // The topology is known here: the live map shows at once, before the drill's own feed answers.
  return <DrillDetail id={id} topology={drill?.topology} />;
}
