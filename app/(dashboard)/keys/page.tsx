import { Suspense } from "react";
import { KeyBrowser } from "@/components/keys/key-browser";

type Search = Promise<Record<string, string | string[] | undefined>>;

const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);

export default async function KeysPage({ searchParams }: { searchParams: Search }) {
  const s = await searchParams;
  const db = Number(one(s.db) ?? 0);
  return (
    <Suspense>
      <KeyBrowser node={one(s.node)} topology={one(s.topology)} db={Number.isInteger(db) && db >= 0 ? db : 0} keyToken={one(s.key)} match={one(s.match)} />
    </Suspense>
  );
}
