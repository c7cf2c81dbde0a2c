import { notFound } from "next/navigation";
import { NodeDetail } from "@/components/node/node-detail";
import { NODE_ID } from "@/lib/redis/address";
import { findRuntime } from "@/lib/runtime";

export default async function NodePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ topology?: string }> }) {
  const { id: raw } = await params;
  const { topology } = await searchParams;
  const id = decodeURIComponent(raw);
  const wanted = typeof topology === "string" ? topology : undefined;
  // An unknown node is a 404 page from the start, not a page that polls for it forever.
  const rt = findRuntime();
  // Polled by another instance (several instances): this one's page follows it through that one.
  if (!NODE_ID.test(id) || (rt && !rt.hub.findNode(id, wanted) && !rt.polledElsewhere(wanted, id) && !rt.hub.elsewhere(wanted))) notFound();
  return <NodeDetail id={id} topology={wanted} />;
}
