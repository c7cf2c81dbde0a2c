"use client";
import { createContext, useContext } from "react";
import { useLiveTopology } from "./use-live-topology";

type Live = ReturnType<typeof useLiveTopology>;

const LiveTopologyContext = createContext<Live | null>(null);

/**
 * One socket for a group of pages (e.g. /drills and /drills/[id]): a layout keeps it open across
 * client-side navigation, so a page opened right after starting a drill already has the map.
 */
export function LiveTopologyProvider({ children }: { children: React.ReactNode }) {
  const live = useLiveTopology();
  return <LiveTopologyContext.Provider value={live}>{children}</LiveTopologyContext.Provider>;
}

export function useSharedLiveTopology(): Live {
  const live = useContext(LiveTopologyContext);
  if (!live) throw new Error("useSharedLiveTopology needs a LiveTopologyProvider above it");
  return live;
}
