// socket.io on the app's own http.Server: authenticated handshake, origin check, snapshot then deltas.
// Sockets opened with a session cookie are listed by session id, so that logging that session out
// closes them at once (in every tab), not only when they next reconnect.
import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import { authenticate, originAllowed } from "../auth/gate";
import type { AuthService } from "../auth/store";
import type { MonitorHub } from "../monitor/hub";
import { Broadcaster, type BroadcasterOptions } from "./broadcaster";
import { Channels, type ChannelDeps, type ChannelOptions } from "./channels";
import { SOCKET_PATH } from "./events";
import type { ReplscopeIo, ReplscopeSocket } from "./socket-types";

export type { ReplscopeIo };

/** What the page channels read besides the monitor (absent in tests that only need the topology). */
export type SocketSources = Partial<Omit<ChannelDeps, "hub">>;

export function attachSocketServer(
  httpServer: HttpServer,
  hub: MonitorHub,
  auth: AuthService,
  opts: Partial<BroadcasterOptions> = {},
  sources: SocketSources = {},
  channelOpts: Partial<ChannelOptions> = {},
): { io: ReplscopeIo; broadcaster: Broadcaster; channels: Channels; close: () => Promise<void> } {
  const io: ReplscopeIo = new Server(httpServer, {
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

  io.use((socket, next) => {
    const h = socket.request.headers;
    const token = typeof socket.handshake.auth?.token === "string" ? socket.handshake.auth.token : undefined;
    const result = authenticate(
      { cookie: h.cookie, authorization: token ? `Bearer ${token}` : h.authorization },
      auth,
    );
    if (!result.ok) return next(new Error("unauthorized: log in first"));
    // Kept for role checks on client events (drills and other operator actions).
    socket.data.user = result.user;
    socket.data.role = result.role;
    socket.data.sid = result.via === "cookie" ? result.sid : undefined;
    next();
  });

  const bySession = new Map<string, Set<ReplscopeSocket>>();
  const offRevoke = auth.onRevoke((sid) => {
    for (const s of bySession.get(sid) ?? []) s.disconnect(true);
    bySession.delete(sid);
  });

  const broadcaster = new Broadcaster(hub, (d) => io.emit("topology:delta", d), opts);
  const channels = new Channels(io, { hub, viewerValues: sources.viewerValues ?? true, drills: sources.drills, compare: sources.compare, transfers: sources.transfers }, channelOpts);

  io.on("connection", (socket) => {
    const sid = typeof socket.data.sid === "string" ? socket.data.sid : undefined;
    if (sid !== undefined) {
      // The session may have ended between the handshake check and now.
      if (!auth.sessionOpen(sid)) return void socket.disconnect(true);
      const set = bySession.get(sid) ?? new Set<ReplscopeSocket>();
      bySession.set(sid, set);
      set.add(socket);
      socket.once("disconnect", () => {
        set.delete(socket);
        if (set.size === 0 && bySession.get(sid) === set) bySession.delete(sid);
      });
    }
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
