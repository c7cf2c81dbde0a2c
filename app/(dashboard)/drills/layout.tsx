import { LiveTopologyProvider } from "@/components/topology/live-topology-provider";

/** The list and a drill's page share one live socket, so the map is there the moment a drill opens. */
export default function DrillsLayout({ children }: { children: React.ReactNode }) {
  return <LiveTopologyProvider>{children}</LiveTopologyProvider>;
}
