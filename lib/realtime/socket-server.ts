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
import type { TopologyDelta, TopologySnapshot } from "./events";
import { ViewFeed, type ViewFeedDeps } from "../fleet/view-feed";
import type { Coordination } from "./coordination";
import type { ReplscopeIo } from "./socket-types";

export type { ReplscopeIo };

/** What the page channels read besides the monitor (absent in tests that only need the topology). */
export type SocketSources = Partial<Omit<ChannelDeps, "hub">>;

/** Several instances (REPLSCOPE_COORDINATION_URL): the adapter that carries emits between them. */
export interface SocketSharing {
  adapter?: Coordination["adapter"];
  /** The topologies other instances poll reach this instance's browsers through it. */
  views?: Omit<ViewFeedDeps, "sendToPeers" | "emitLocal" | "polledHere" | "ownView">;
}

/** Sockets of one login session (hashed: the room name travels through the coordination Redis). */
function sessionRoom(sid: string): string {
  return `session:${createHash("sha256").update(sid).digest("base64url").slice(0, 22)}`;
}


export function attachSocketServer(
  httpServer: HttpServer,
  hub: MonitorHub,
  auth: AuthService,
  opts: Partial<BroadcasterOptions> = {},
  sources: SocketSources = {},
  channelOpts: Partial<ChannelOptions> = {},
  sharing: SocketSharing = {},
): { io: ReplscopeIo; broadcaster: Broadcaster; channels: Channels; views: ViewFeed | null; close: () => Promise<void> } {
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

  // Each flush goes to this instance's browsers at once, whatever the coordination Redis does.
  // With several instances, the topologies polled here also go to the other instances (the view
  // feed), which pass them to their own browsers: a browser gets each change once, from the one
  // instance it is connected to.
  const feedRef: { current: ViewFeed | null } = { current: null };
  const channelsRef: { current: Channels | null } = { current: null };
  const emitDelta = (d: TopologyDelta): void => {
    io.local.emit("topology:delta", d);
    feedRef.current?.published(d);
  };
  const broadcaster = new Broadcaster(hub, emitDelta, opts);
  const views = shared && sharing.views
    ? new ViewFeed({
        ...sharing.views,
        sendToPeers: (m) => io.serverSideEmit("fleet:view", m),
        emitLocal: (d) => io.local.emit("topology:delta", d),
        polledHere: (t) => hub.monitors.has(t),
        onOwnerLost: (t, nodes) => channelsRef.current?.remotePollerLost(t, nodes),
        ownView: (t) => {
          const view = broadcaster.topologyView(t);
          return view ? { view, events: hub.get(t)?.recentEvents(50) ?? [] } : undefined;
        },
      })
    : null;
  feedRef.current = views;
  if (views) io.on("fleet:view", (m) => views.message(m));
  /** The first snapshot: topologies polled here, those mirrored from other instances, and the rest (not read yet) empty. */
  const snapshot = (): TopologySnapshot => {
    const own = broadcaster.snapshot();
    if (!views) return own;
    const have = new Set(own.topologies.map((t) => t.name));
    const mirrored = views.views().filter((t) => !have.has(t.name));
    for (const t of mirrored) have.add(t.name);
    const pending = [...hub.configs.values()].filter((c) => !have.has(c.name)).map((c) => ({ name: c.name, drills: c.drills, nodes: [], lagHistory: {}, alerts: [], sentinels: [], cluster: null }));
    const events = [...own.events, ...views.events()].sort((a, b) => a.at - b.at || a.id - b.id).slice(-200);
    return { at: own.at, topologies: [...own.topologies, ...mirrored, ...pending], events };
  };
  const channels = new Channels(
    io,
    {
      hub,
      viewerValues: sources.viewerValues ?? true,
      drills: sources.drills,
      compare: sources.compare,
      transfers: sources.transfers,
      remote: views ? { knowsElsewhere: (t) => views.knows(t.id, t.topology), send: (w) => io.serverSideEmit("fleet:watch", w) } : undefined,
    },
    channelOpts,
  );
  channelsRef.current = channels;
  if (views) io.on("fleet:watch", (w) => channels.watch(w));

  io.on("connection", (socket) => {
    const sid = typeof socket.data.sid === "string" ? socket.data.sid : undefined;
    if (sid !== undefined) {
      // The session may have ended between the handshake check and now.
      if (!auth.sessionOpen(sid)) return void socket.disconnect(true);
      void socket.join(sessionRoom(sid));
    }
    socket.emit("topology:snapshot", snapshot());
    let lastResync = 0;
    socket.on("topology:resync", () => {
      // At most one full snapshot a second per client: a snapshot is the expensive message.
      if (Date.now() - lastResync < 1000) return;
      lastResync = Date.now();
      socket.emit("topology:snapshot", snapshot());
    });
    channels.attach(socket);
  });

  return {
    io,
    broadcaster,
    channels,
    views,
    close: () =>
      new Promise<void>((resolve) => {
        broadcaster.stop();
        views?.stop();
        channels.stop();
        offRevoke();
        io.disconnectSockets(true);
        // io.close() also closes the http.Server, which waits for every open connection.
        io.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}
