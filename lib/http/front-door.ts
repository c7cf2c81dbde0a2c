// The first thing every HTTP request and every upgrade (websocket handshake) meets, before
// socket.io, Next or the login gate see it. socket.io installs its own 'request' and 'upgrade'
// listeners in front of the app's, so a check placed in the app's handler would never see a
// socket.io handshake: this wraps whatever listeners are there, once they are all installed.
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

export interface Refusal {
  status: number;
  error: string;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Runs `check` before every listener already registered for 'request' and 'upgrade'. */
export function guardFrontDoor(server: Server, check: (req: IncomingMessage) => Refusal | null): void {
  const onRequest = server.listeners("request") as RequestListener[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const refusal = check(req);
    if (refusal) return refuseRequest(req, res, refusal);
    for (const l of onRequest) l.call(server, req, res);
  });
  const onUpgrade = server.listeners("upgrade") as UpgradeListener[];
  server.removeAllListeners("upgrade");
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = check(req);
    if (refusal) return refuseUpgrade(socket, refusal);
    for (const l of onUpgrade) l.call(server, req, socket, head);
  });
}

function refusalHeaders(body: string): Record<string, string | number> {
  return {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    // Whatever else the client sends on this connection is not read.
    Connection: "close",
  };
}

/** A client still sending a refused body gets this much read and thrown away, so it can read the answer. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;

function refuseRequest(req: IncomingMessage, res: ServerResponse, r: Refusal): void {
  const body = JSON.stringify({ error: r.error });
  // Closing while the client is still writing makes the kernel reset the connection before the
  // client reads the refusal. Instead the body is read and discarded (never kept: memory stays
  // flat), up to a bound; past it the connection is cut.
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) req.socket.destroy();
  });
  // No "Connection: close": Node would close the socket right after the answer, unread body and all.
  const headers = refusalHeaders(body);
  delete headers.Connection;
  res.writeHead(r.status, headers);
  res.end(body);
  req.resume();
}

function refuseUpgrade(socket: Duplex, r: Refusal): void {
  const body = JSON.stringify({ error: r.error });
  const head = Object.entries(refusalHeaders(body)).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ""}\r\n${head}\r\n${body}`);
}
