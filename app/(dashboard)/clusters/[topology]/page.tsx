import { notFound } from "next/navigation";
import { ClusterOverview } from "@/components/cluster/cluster-overview";
import { findRuntime } from "@/lib/runtime";

export default async function ClusterPage({ params }: { params: Promise<{ topology: string }> }) {
  const { topology: raw } = await params;
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    notFound();
  }
  // An unknown topology is a 404 from the start; a known one that is not (yet) a cluster says so live.
  const hub = findRuntime()?.hub;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || (hub && !hub.get(name) && !hub.elsewhere(name))) notFound();
  return <ClusterOverview topology={name} />;
}
