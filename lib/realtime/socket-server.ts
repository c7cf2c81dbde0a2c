// socket.io on the app's own http.Server: authenticated handshake, origin check, snapshot then deltas.
// Sockets opened with a session cookie are listed by session id, so that logging that session out
// closes them at once (in every tab), not only when they next reconnect.
import { createHash } from "node:crypto";
import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import { authenticate, authenticateShared, originAllowed } from "../auth/gate";
import type { AuthService } from "../auth/store";
import type { MonitorHub } from "../monitor/hub";
import { Broadcaster, type BroadcasterOptions } from "./broadcaster";
import { Channels, type ChannelDeps, type ChannelOptions } from "./channels";
import { SOCKET_PATH } from "./events";
import type { TopologyDelta } from "./events";
import type { Coordination } from "./coordination";
import type { ReplscopeIo } from "./socket-types";

export type { ReplscopeIo };

/** What the page channels read besides the monitor (absent in tests that only need the topology). */
export type SocketSources = Partial<Omit<ChannelDeps, "hub">>;

/** Several instances (REPLSCOPE_COORDINATION_URL): the adapter that carries emits between them. */
export interface SocketSharing {
  adapter?: Coordination["adapter"];
}

/** Sockets of one login session (hashed: the room name travels through the coordination Redis). */
function sessionRoom(sid: string): string {
  return `session:${createHash("sha256").update(sid).digest("base64url").slice(0, 22)}`;
}

/** Every socket of an instance that polls this topology itself (it gets that topology's deltas locally). */
export function pollsRoom(topology: string): string {
  return `polls:${topology}`;
}

/** One topology's part of a delta: its node changes and its events. */
function topologyPart(d: TopologyDelta, name: string): TopologyDelta {
  return { at: d.at, topologies: d.topologies.filter((t) => t.name === name), events: d.events.filter((e) => e.topology === name), droppedEvents: 0 };
}

export function attachSocketServer(
  httpServer: HttpServer,
  hub: MonitorHub,
  auth: AuthService,
  opts: Partial<BroadcasterOptions> = {},
  sources: SocketSources = {},
  channelOpts: Partial<ChannelOptions> = {},
  sharing: SocketSharing = {},
): { io: ReplscopeIo; broadcaster: Broadcaster; channels: Channels; setPolled: (topologies: Iterable<string>) => void; close: () => Promise<void> } {
  const shared = sharing.adapter !== undefined;
  const io: ReplscopeIo = new Server(httpServer, {
    ...(shared
      ? {
          adapter: sharing.adapter,
          // Any instance may get any request: HTTP long-polling would need every request of one
          // connection to reach the same instance (sticky sessions); a WebSocket is one connection.
          transports: ["websocket"],
        }
      : {}),
    path: SOCKET_PATH,
    serveClient: false,
    maxHttpBufferSize: 16 * 1024,
    // A dead server or network shows as "reconnecting" (and the page's data as last-seen) within
    // 15 s, not the default 45.
    pingInterval: 10_000,
    pingTimeout: 5_000,
    allowRequest: (req, cb) => {
      const ok = originAllowed({ origin: req.headers.origin, host: req.headers.host });
      cb(ok ? null : "origin not allowed", ok);
    },
  });

  io.use(async (socket, next) => {
    const h = socket.request.headers;
    const token = typeof socket.handshake.auth?.token === "string" ? socket.handshake.auth.token : undefined;
    const headers = { cookie: h.cookie, authorization: token ? `Bearer ${token}` : h.authorization };
    const result = shared ? await authenticateShared(headers, auth).catch(() => ({ ok: false }) as const) : authenticate(headers, auth);
    if (!result.ok) return next(new Error("unauthorized: log in first"));
    // Kept for role checks on client events (drills and other operator actions).
    socket.data.user = result.user;
    socket.data.role = result.role;
    socket.data.sid = result.via === "cookie" ? result.sid : undefined;
    next();
  });

  // A session's sockets share a room: ending the session closes them on every instance (the
  // adapter carries the disconnect), and other instances forget the session at once.
  const offRevoke = auth.onRevoke((sid) => {
    io.in(sessionRoom(sid)).disconnectSockets(true);
    if (shared) io.serverSideEmit("auth:ended", sid);
  });
  if (shared) io.on("auth:ended", (sid) => typeof sid === "string" && auth.forget(sid));

  // The topologies this instance polls: its browsers get their deltas locally, at once, whatever
  // the coordination Redis does. Browsers on other instances get a topology's deltas through the
  // adapter only if their instance does not poll it (pollsRoom excludes the others), so a browser
  // never gets one change twice.
  let polled = new Set<string>([...hub.monitors].map(([name]) => name));
  const emitDelta = (d: TopologyDelta): void => {
    io.local.emit("topology:delta", d);
    if (!shared) return;
    const names = new Set([...d.topologies.map((t) => t.name), ...d.events.map((e) => e.topology)]);
    for (const name of names) io.except(pollsRoom(name)).emit("topology:delta", topologyPart(d, name));
  };
  const broadcaster = new Broadcaster(hub, emitDelta, opts);
  const channels = new Channels(io, { hub, viewerValues: sources.viewerValues ?? true, drills: sources.drills, compare: sources.compare, transfers: sources.transfers }, channelOpts);

  io.on("connection", (socket) => {
    const sid = typeof socket.data.sid === "string" ? socket.data.sid : undefined;
    if (sid !== undefined) {
      // The session may have ended between the handshake check and now.
      if (!auth.sessionOpen(sid)) return void socket.disconnect(true);
      void socket.join(sessionRoom(sid));
    }
    if (shared) void socket.join([...polled].map(pollsRoom));
    socket.emit("topology:snapshot", broadcaster.snapshot());
    let lastResync = 0;
    socket.on("topology:resync", () => {
      // At most one full snapshot a second per client: a snapshot is the expensive message.
      if (Date.now() - lastResync < 1000) return;
      lastResync = Date.now();
      socket.emit("topology:snapshot", broadcaster.snapshot());
    });
    channels.attach(socket);
  });

  return {
    io,
    broadcaster,
    channels,
    /** The topologies this instance polls changed (work split between instances): the rooms follow. */
    setPolled(topologies) {
      const next = new Set(topologies);
      const gone = [...polled].filter((t) => !next.has(t)).map(pollsRoom);
      const added = [...next].filter((t) => !polled.has(t)).map(pollsRoom);
      polled = next;
      if (gone.length) io.local.socketsLeave(gone);
      if (added.length) io.local.socketsJoin(added);
    },
    close: () =>
      new Promise<void>((resolve) => {
        broadcaster.stop();
        channels.stop();
        offRevoke();
        io.disconnectSockets(true);
        // io.close() also closes the http.Server, which waits for every open connection.
        io.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}
