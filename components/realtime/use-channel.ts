"use client";
// Page subscriptions on the shared socket: subscribe on mount and again after every reconnect (the
// server forgets a connection's subscriptions with it), unsubscribe on unmount. The server answers
// with a snapshot, then deltas; these hooks fold them into state.
import { useEffect, useRef, useState } from "react";
import type { CompareReport } from "@/lib/compare/report";
import type { Drill } from "@/lib/drills/types";
import type { LogEntry, LogSourceState } from "@/lib/logs/node-logs";
import { nodeKey, type NodeDetail, type ServerToClientEvents, type SubscribeAck } from "@/lib/realtime/events";
import { applyNodeDelta } from "@/lib/realtime/node-state";
import { useSocket, type ReplscopeClient } from "./socket-provider";

type Ack = (a: SubscribeAck) => void;

/** Listens to one server event while mounted; the handler may change between renders. */
export function useSocketEvent<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): void {
  const { socket } = useSocket();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    if (!socket) return;
    const listener = ((...args: Parameters<ServerToClientEvents[E]>) => (ref.current as (...a: unknown[]) => void)(...args)) as unknown as ServerToClientEvents[E];
    socket.on(event, listener as never);
    return () => {
      socket.off(event, listener as never);
    };
  }, [socket, event]);
}

/** Keeps one subscription open while `key` is not null (a new key: unsubscribe, subscribe again). */
function useSubscription(key: string | null, subscribe: (s: ReplscopeClient, ack: Ack) => void, unsubscribe: (s: ReplscopeClient) => void, onAck: Ack): void {
  const { socket } = useSocket();
  const fns = useRef({ subscribe, unsubscribe, onAck });
  useEffect(() => {
    fns.current = { subscribe, unsubscribe, onAck };
  });
  useEffect(() => {
    if (!socket || key === null) return;
    const sub = () => fns.current.subscribe(socket, (a) => fns.current.onAck(a));
    // While disconnected an emit would be buffered and sent after "connect" too: subscribe once.
    if (socket.connected) sub();
    socket.on("connect", sub);
    return () => {
      socket.off("connect", sub);
      if (socket.connected) fns.current.unsubscribe(socket);
    };
  }, [socket, key]);
}

export interface NodeFeed {
  detail: NodeDetail | null;
  /** The node is not (or no longer) in the topology. */
  gone: boolean;
  error: string | null;
}

/** One node's page data: a snapshot, then deltas (new chart points, events, changed fields). */
export function useNodeFeed(id: string, topology?: string): NodeFeed {
  const key = nodeKey({ id, topology });
  const [feed, setFeed] = useState<NodeFeed & { key: string }>({ key, detail: null, gone: false, error: null });
  const current = feed.key === key ? feed : { key, detail: null, gone: false, error: null };
  useSubscription(
    key,
    (s, ack) => s.emit("node:subscribe", topology ? { id, topology } : { id }, ack),
    (s) => s.emit("node:unsubscribe", topology ? { id, topology } : { id }),
    (a) => {
      if (a.ok) return;
      setFeed((f) => ({ ...(f.key === key ? f : { detail: null }), key, gone: a.status === 404, error: a.status === 404 ? null : a.error }));
    },
  );
  useSocketEvent("node:snapshot", (s) => {
    if (s.key === key) setFeed({ key, detail: s.detail, gone: false, error: null });
  });
  useSocketEvent("node:delta", (d) => {
    if (d.key === key) setFeed((f) => (f.key === key && f.detail ? { ...f, detail: applyNodeDelta(f.detail, d) } : f));
  });
  useSocketEvent("channel:gone", (g) => {
    if (g.channel === "node" && g.key === key) setFeed((f) => ({ ...f, key, gone: true }));
  });
  return current;
}

export const MAX_LOG_LINES = 1000;

/** A node's log tail: the last lines, then new ones as the server reads them (bounded). */
export function useLogTail(node: string, topology?: string): { lines: LogEntry[]; source: LogSourceState; error: string | null } {
  const key = nodeKey({ id: node, topology });
  const [tail, setTail] = useState<{ key: string; lines: LogEntry[]; source: LogSourceState; error: string | null }>({ key, lines: [], source: { status: "pending" }, error: null });
  useSubscription(
    key,
    (s, ack) => s.emit("logs:subscribe", topology ? { id: node, topology } : { id: node }, ack),
    (s) => s.emit("logs:unsubscribe", topology ? { id: node, topology } : { id: node }),
    (a) => {
      if (!a.ok) setTail((t) => ({ ...t, key, error: a.error }));
    },
  );
  useSocketEvent("logs:lines", (l) => {
    if (l.key !== key) return;
    setTail((t) => {
      if (l.reset || t.key !== key) return { key, lines: l.lines.slice(-MAX_LOG_LINES), source: l.source, error: null };
      const last = t.lines.at(-1)?.seq ?? 0;
      const fresh = l.lines.filter((x) => x.seq > last);
      return { ...t, source: l.source, lines: fresh.length ? [...t.lines, ...fresh].slice(-MAX_LOG_LINES) : t.lines };
    });
  });
  return tail.key === key ? tail : { lines: [], source: { status: "pending" }, error: null };
}

/** A drill as it runs: steps, status and events pushed by the drill manager. */
export function useDrillFeed(id: string): { drill: Drill | null; missing: boolean; error: string | null } {
  const [feed, setFeed] = useState<{ drill: Drill | null; missing: boolean; error: string | null }>({ drill: null, missing: false, error: null });
  useSubscription(
    id,
    (s, ack) => s.emit("drill:subscribe", { id }, ack),
    (s) => s.emit("drill:unsubscribe", { id }),
    (a) => {
      if (!a.ok) setFeed((f) => ({ ...f, missing: a.status === 404, error: a.status === 404 ? null : a.error }));
    },
  );
  useSocketEvent("drill:update", (u) => {
    if (u.drill.id !== id) return;
    setFeed((f) => {
      const have = f.drill?.events ?? [];
      // Updates carry only new events; one that starts past what we hold (never expected) is skipped.
      const events = u.eventsFrom === 0 ? u.events : u.eventsFrom <= have.length ? [...have, ...u.events.slice(have.length - u.eventsFrom)] : have;
      return { drill: { ...u.drill, events }, missing: false, error: null };
    });
  });
  return feed;
}

/** A compare job's report, pushed while it runs (and once when it stops). */
export function useCompareFeed(id: string | null): { report: CompareReport | null; error: string | null } {
  const [feed, setFeed] = useState<{ id: string | null; report: CompareReport | null; error: string | null }>({ id, report: null, error: null });
  useSubscription(
    id,
    (s, ack) => id && s.emit("compare:subscribe", { id }, ack),
    (s) => id && s.emit("compare:unsubscribe", { id }),
    (a) => {
      if (!a.ok) setFeed({ id, report: null, error: a.error });
    },
  );
  useSocketEvent("compare:update", (u) => {
    if (u.report.id === id) setFeed({ id, report: u.report, error: null });
  });
  return feed.id === id ? feed : { report: null, error: null };
}
