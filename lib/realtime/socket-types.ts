// The typed socket.io server and socket, shared by the socket server and its channels.
import type { Server, Socket } from "socket.io";
import type { Role } from "../auth/store";
import type { ClientToServerEvents, ServerToClientEvents } from "./events";

/** Set by the handshake check: who this socket is (role checks on client events use it). */
export interface SocketData {
  user: string;
  role: Role;
  sid: string | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no server-to-server events
export type ReplscopeIo = Server<ClientToServerEvents, ServerToClientEvents, {}, SocketData>;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no server-to-server events
export type ReplscopeSocket = Socket<ClientToServerEvents, ServerToClientEvents, {}, SocketData>;
