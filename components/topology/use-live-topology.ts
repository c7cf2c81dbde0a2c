"use client";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@/lib/realtime/events";
import { applyDelta, emptyState, fromSnapshot, sampleLag, type LiveState } from "@/lib/realtime/client-state";

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "unauthorized";

export function useLiveTopology(): { state: LiveState; status: ConnectionStatus; hasSnapshot: boolean; now: number } {
  const [now, setNow] = useState(0);
  const router = useRouter();
  const [state, setState] = useState<LiveState>(emptyState);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [hasSnapshot, setHasSnapshot] = useState(false);

  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: "/socket.io", transports: ["websocket", "polling"] });
    let snapshotSeen = false;
    socket.on("connect", () => setStatus("live"));
    socket.on("disconnect", () => setStatus("reconnecting"));
    socket.on("connect_error", (err) => {
      if (/unauthorized/i.test(err.message)) {
        setStatus("unauthorized");
        router.replace(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
      } else setStatus("reconnecting");
    });
    socket.on("topology:snapshot", (s) => {
      snapshotSeen = true;
      setHasSnapshot(true);
      setState(fromSnapshot(s));
    });
    socket.on("topology:delta", (d) => {
      // Deltas that arrive before the first snapshot describe a state we don't have yet.
      if (snapshotSeen) setState((prev) => applyDelta(prev, d));
    });
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      const t = Date.now();
      setNow(t);
      setState((prev) => sampleLag(prev, t));
      timer = setTimeout(tick, 1000 - (Date.now() % 1000));
    };
    timer = setTimeout(tick, 1000 - (Date.now() % 1000));
    return () => {
      clearTimeout(timer);
      socket.close();
    };
  }, [router]);

  return { state, status, hasSnapshot, now: now || state.updatedAt };
}
