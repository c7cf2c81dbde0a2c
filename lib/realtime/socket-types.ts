// The typed socket.io server and socket, shared by the socket server and its channels.
import type { Server, Socket } from "socket.io";
import type { Role } from "../auth/store";
import type { ClientToServerEvents, ServerToClientEvents } from "./events";
import type { ViewMessage } from "../fleet/mirror";
import type { FeedWatch } from "./channels";

/** Set by the handshake check: who this socket is (role checks on client events use it). */
export interface SocketData {
  user: string;
  role: Role;
  sid: string | undefined;
}

/** Between instances (through the coordination Redis): a session ended by logout on the sender. */
export interface InterServerEvents {
  "auth:ended": (sid: string) => void;
  /** A flush's part for a topology the sender polls (lib/fleet/view-feed.ts). */
  "fleet:view": (m: ViewMessage) => void;
  /** A page on the sender follows a node this instance may poll (lib/realtime/channels.ts). */
  "fleet:watch": (w: FeedWatch) => void;
}

export type ReplscopeIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ReplscopeSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
