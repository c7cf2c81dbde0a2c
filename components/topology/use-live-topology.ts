"use client";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@/lib/realtime/events";
import { applyDelta, emptyState, fromSnapshot, sampleLag, type LiveState } from "@/lib/realtime/client-state";
import { addSample, clockOffset, socketSample, type ClockBound } from "@/lib/realtime/server-clock";

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "unauthorized";

/** `now` is the server's clock (estimated from the stamps on its messages), ticking once a second. */
export function useLiveTopology(): { state: LiveState; status: ConnectionStatus; hasSnapshot: boolean; now: number } {
  const [now, setNow] = useState(0);
  const router = useRouter();
  const [state, setState] = useState<LiveState>(emptyState);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [hasSnapshot, setHasSnapshot] = useState(false);

  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: "/socket.io", transports: ["websocket", "polling"] });
    let snapshotSeen = false;
    let clock: ClockBound[] = [];
    const serverNow = () => Date.now() + clockOffset(clock);
    socket.on("connect", () => setStatus("live"));
    socket.on("disconnect", () => setStatus("reconnecting"));
    socket.on("connect_error", (err) => {
      if (/unauthorized/i.test(err.message)) {
        setStatus("unauthorized");
        router.replace(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
      } else setStatus("reconnecting");
    });
    socket.on("topology:snapshot", (s) => {
      clock = addSample(clock, socketSample(s.at, Date.now()));
      snapshotSeen = true;
      setHasSnapshot(true);
      setState(fromSnapshot(s));
    });
    socket.on("topology:delta", (d) => {
      clock = addSample(clock, socketSample(d.at, Date.now()));
      // Deltas that arrive before the first snapshot describe a state we don't have yet.
      if (snapshotSeen) setState((prev) => applyDelta(prev, d));
    });
    let timer: ReturnType<typeof setTimeout>;
    // Ticks on the server's second boundaries, so lag points line up with the server's history.
    const tick = () => {
      const t = serverNow();
      setNow(t);
      setState((prev) => sampleLag(prev, t));
      timer = setTimeout(tick, 1000 - (serverNow() % 1000));
    };
    timer = setTimeout(tick, 1000 - (Date.now() % 1000));
    return () => {
      clearTimeout(timer);
      socket.close();
    };
  }, [router]);

  return { state, status, hasSnapshot, now: now || state.updatedAt };
}
