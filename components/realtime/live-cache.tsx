"use client";
// Keeps cached (SWR) lists that the socket also reports on current while their page is not open:
// coming back to /drills must not show a finished drill as still running, even for a moment.
import { useSWRConfig } from "swr";
import type { DrillSummary } from "@/lib/realtime/events";
import { useSocketEvent } from "./use-channel";

export const DRILLS_URL = "/api/drills";

export function LiveCacheSync() {
  const { mutate } = useSWRConfig();
  useSocketEvent("drills:summary", ({ drill }) => {
    void mutate<{ drills: DrillSummary[] }>(DRILLS_URL, (cur) => (cur ? { drills: [drill, ...cur.drills.filter((d) => d.id !== drill.id)] } : cur), { revalidate: false });
  });
  return null;
}
