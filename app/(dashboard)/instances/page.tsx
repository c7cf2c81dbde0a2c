import { InstancesView } from "@/components/instances/instances-view";

export default function InstancesPage() {
  return <InstancesView />;
}
