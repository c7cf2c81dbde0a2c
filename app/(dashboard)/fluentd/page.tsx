import { FluentdView } from "@/components/fluentd/fluentd-view";

type Search = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);

export default async function FluentdPage({ searchParams }: { searchParams: Search }) {
  const s = await searchParams;
  const db = Number(one(s.db) ?? 0);
  return <FluentdView node={one(s.node)} topology={one(s.topology)} db={Number.isInteger(db) && db >= 0 ? db : 0} />;
}
