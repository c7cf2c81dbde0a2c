"use client";
// The dashboard's one socket.io connection, mounted in the dashboard layout: it survives client-side
// navigation between pages. It keeps the topology (snapshot + deltas), the server's clock, and the
// connection state; pages subscribe to their own channels through it (use-channel.ts).
import { useRouter } from "next/navigation";
import { createContext, useContext, useEffect, useMemo, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import { SOCKET_PATH, type ClientToServerEvents, type ServerToClientEvents, type TopologyDelta, type TopologySnapshot } from "@/lib/realtime/events";
import { applyDelta, emptyState, fromSnapshot, sampleLag, type LiveState } from "@/lib/realtime/client-state";
import { addSample, clockOffset, socketSample, type ClockBound } from "@/lib/realtime/server-clock";

export type ReplscopeClient = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "unauthorized";

export interface Connection {
  status: ConnectionStatus;
  /** Server time of the last message received (0: none yet). Data older than a lost connection is last-seen, not current. */
  lastMessageAt: number;
  /** Server time when the connection was lost (null while connected). */
  lostAt: number | null;
}

interface SocketApi {
  socket: ReplscopeClient | null;
  /** The server's clock, estimated from the stamps on its messages. */
  serverNow: () => number;
}

interface Live {
  state: LiveState;
  hasSnapshot: boolean;
  /** Server time, ticking once a second. */
  now: number;
}

const SocketContext = createContext<SocketApi | null>(null);
const ConnectionContext = createContext<Connection | null>(null);
const LiveContext = createContext<Live | null>(null);

export function SocketProvider({ children }: { children: React.ReactNode }) {
  const router = useRouter();
  // Created once per page load (not during the server render), connected by the effect below.
  const [socket] = useState<ReplscopeClient | null>(() => (typeof window === "undefined" ? null : io({ path: SOCKET_PATH, transports: ["websocket", "polling"], autoConnect: false })));
  const clock = useRef<ClockBound[]>([]);
  const api = useMemo<SocketApi>(() => ({ socket, serverNow: () => Date.now() + clockOffset(clock.current) }), [socket]);
  const [connection, setConnection] = useState<Connection>({ status: "connecting", lastMessageAt: 0, lostAt: null });
  const [state, setState] = useState<LiveState>(emptyState);
  const [hasSnapshot, setHasSnapshot] = useState(false);
  const [now, setNow] = useState(0);

  useEffect(() => {
    if (!socket) return;
    let snapshotSeen = false;
    let lastMessageAt = 0;
    const serverNow = api.serverNow;
    // Every server message carries `at`: it dates the data and bounds the clock offset.
    const onAny = (_event: string, payload: unknown) => {
      const at = payload && typeof payload === "object" && "at" in payload ? (payload as { at: unknown }).at : undefined;
      if (typeof at !== "number") return;
      clock.current = addSample(clock.current, socketSample(at, Date.now()));
      lastMessageAt = at;
    };
    socket.onAny(onAny);
    const onConnect = () => setConnection({ status: "live", lastMessageAt, lostAt: null });
    const onDisconnect = (reason: string) => {
      setConnection({ status: "reconnecting", lastMessageAt, lostAt: serverNow() });
      // The server ended it (logout elsewhere): socket.io does not retry that by itself. Trying once
      // more either resumes or ends in "unauthorized", which leads to the login page.
      if (reason === "io server disconnect") socket.connect();
    };
    const onError = (err: Error) => {
      if (/unauthorized/i.test(err.message)) {
        setConnection((c) => ({ ...c, status: "unauthorized" }));
        router.replace(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
      } else setConnection((c) => ({ status: "reconnecting", lastMessageAt, lostAt: c.lostAt ?? serverNow() }));
    };
    const onSnapshot = (s: TopologySnapshot) => {
      snapshotSeen = true;
      setHasSnapshot(true);
      setState(fromSnapshot(s));
    };
    const onDelta = (d: TopologyDelta) => {
      // Deltas that arrive before the first snapshot describe a state we don't have yet.
      if (snapshotSeen) setState((prev) => applyDelta(prev, d));
    };
    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onError);
    socket.on("topology:snapshot", onSnapshot);
    socket.on("topology:delta", onDelta);
    socket.connect();
    let timer: ReturnType<typeof setTimeout>;
    // Ticks on the server's second boundaries, so lag points line up with the server's history.
    // While disconnected the charts stop: no points are made up for a time nothing was heard.
    const tick = () => {
      const t = serverNow();
      setNow(t);
      if (socket.connected) setState((prev) => sampleLag(prev, t));
      timer = setTimeout(tick, 1000 - (serverNow() % 1000));
    };
    timer = setTimeout(tick, 1000 - (Date.now() % 1000));
    return () => {
      clearTimeout(timer);
      socket.offAny(onAny);
      socket.off("connect", onConnect);
      socket.off("disconnect", onDisconnect);
      socket.off("connect_error", onError);
      socket.off("topology:snapshot", onSnapshot);
      socket.off("topology:delta", onDelta);
      socket.disconnect();
    };
  }, [socket, api, router]);

  const live = useMemo(() => ({ state, hasSnapshot, now: now || state.updatedAt }), [state, hasSnapshot, now]);
  return (
    <SocketContext.Provider value={api}>
      <ConnectionContext.Provider value={connection}>
        <LiveContext.Provider value={live}>{children}</LiveContext.Provider>
      </ConnectionContext.Provider>
    </SocketContext.Provider>
  );
}

function need<T>(v: T | null, what: string): T {
  if (!v) throw new Error(`${what} needs the SocketProvider (mounted in the dashboard layout) above it`);
  return v;
}

export function useSocket(): SocketApi {
  return need(useContext(SocketContext), "useSocket");
}

/** null outside the dashboard layout (the root 404 page has the header but no socket). */
export function useConnection(): Connection | null {
  return useContext(ConnectionContext);
}

/** The live topology of every watched topology, from the shared socket. */
export function useLiveTopology(): Live & { status: ConnectionStatus } {
  const live = need(useContext(LiveContext), "useLiveTopology");
  const connection = need(useContext(ConnectionContext), "useLiveTopology");
  return { ...live, status: connection.status };
}
