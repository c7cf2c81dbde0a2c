import { NodeDetail } from "@/components/node/node-detail";

export default async function NodePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ topology?: string }> }) {
  const { id } = await params;
  const { topology } = await searchParams;
  return <NodeDetail id={decodeURIComponent(id)} topology={typeof topology === "string" ? topology : undefined} />;
}
