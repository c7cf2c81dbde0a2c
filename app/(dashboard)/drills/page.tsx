import { DrillsView } from "@/components/drills/drills-view";

export default function DrillsPage() {
  return <DrillsView />;
}
