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
  const hub = findRuntime()?.hub;
  if (!NODE_ID.test(id) || (hub && !hub.findNode(id, wanted))) notFound();
  return <NodeDetail id={id} topology={wanted} />;
}
