import { DrillDetail } from "@/components/drills/drill-detail";

export default async function DrillPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <DrillDetail id={id} />;
}
