// A hostile "Redis node" for trust-boundary tests: a small loopback TCP server speaking just enough
// RESP to be monitored (INFO, CONFIG GET, ROLE, CLIENT, PING), reporting whatever the test wants
// (log paths, its master), and counting every connection made to it. Plus a raw client that
// registers any address as a replica of a real master (REPLCONF listening-port / ip-address +
// PSYNC), the way anyone who can talk to the master can.
import { randomBytes } from "node:crypto";
import { connect, createServer, type Socket } from "node:net";

export interface FakeRedisOptions {
  /** Loopback address to listen on (127.0.0.2 is loopback too on Linux). Default 127.0.0.1. */
  host?: string;
  /** What CONFIG GET answers, e.g. { logfile: "/proc/self/environ", dir: "/tmp" }. */
  config?: Record<string, string>;
  /** The master it claims to replicate from; a master with no replicas when omitted. */
  masterOf?: { host: string; port: number };
}

export interface FakeRedis {
  readonly host: string;
  readonly port: number;
  readonly id: string;
  /** Connections accepted so far (a dial by replscope counts even if it sends nothing). */
  connections(): number;
  stop(): Promise<void>;
}

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const array = (items: string[]) => `*${items.length}\r\n${items.map(bulk).join("")}`;

/** Parses complete RESP arrays of bulk strings from `buf`; returns the commands and the unparsed rest. */
function parseCommands(buf: Buffer): { commands: string[][]; rest: Buffer } {
  const commands: string[][] = [];
  let pos = 0;
  const line = (from: number): { text: string; next: number } | null => {
    const end = buf.indexOf("\r\n", from);
    return end === -1 ? null : { text: buf.toString("utf8", from, end), next: end + 2 };
  };
  while (pos < buf.length) {
    const head = line(pos);
    if (!head) break;
    if (!head.text.startsWith("*")) {
      // Inline command (redis-cli style), one per line.
      commands.push(head.text.split(" ").filter(Boolean));
      pos = head.next;
      continue;
    }
    const n = Number(head.text.slice(1));
    let at = head.next;
    const args: string[] = [];
    for (let i = 0; i < n; i++) {
      const len = line(at);
      if (!len) return { commands, rest: buf.subarray(pos) };
      const size = Number(len.text.slice(1));
      if (len.next + size + 2 > buf.length) return { commands, rest: buf.subarray(pos) };
      args.push(buf.toString("utf8", len.next, len.next + size));
      at = len.next + size + 2;
    }
    commands.push(args);
    pos = at;
  }
  return { commands, rest: buf.subarray(pos) };
}

function infoText(port: number, runId: string, masterOf: FakeRedisOptions["masterOf"]): string {
  const lines = ["# Server", "redis_version:7.0.15", "redis_mode:standalone", `run_id:${runId}`, `tcp_port:${port}`, "uptime_in_seconds:100", "", "# Replication"];
  if (masterOf) {
    lines.push("role:slave", `master_host:${masterOf.host}`, `master_port:${masterOf.port}`, "master_link_status:up", "master_last_io_seconds_ago:0", "master_sync_in_progress:0", "slave_repl_offset:0", "slave_priority:100", "slave_read_only:1");
  } else {
    lines.push("role:master");
  }
  lines.push("connected_slaves:0", `master_replid:${runId}`, "master_replid2:0000000000000000000000000000000000000000", "master_repl_offset:0", "second_repl_offset:-1", "repl_backlog_active:0", "repl_backlog_size:1048576", "repl_backlog_first_byte_offset:0", "repl_backlog_histlen:0");
  return `${lines.join("\r\n")}\r\n`;
}

export async function startFakeRedis(opts: FakeRedisOptions = {}): Promise<FakeRedis> {
  const host = opts.host ?? "127.0.0.1";
  const runId = randomBytes(20).toString("hex");
  const sockets = new Set<Socket>();
  let connections = 0;
  let port = 0;
  const reply = (cmd: string[]): string => {
    const name = (cmd[0] ?? "").toUpperCase();
    if (name === "PING") return "+PONG\r\n";
    if (name === "INFO") return bulk(infoText(port, runId, opts.masterOf));
    if (name === "ROLE") return opts.masterOf ? `*5\r\n${bulk("slave")}${bulk(opts.masterOf.host)}:${opts.masterOf.port}\r\n${bulk("connected")}:0\r\n` : `*3\r\n${bulk("master")}:0\r\n*0\r\n`;
    if (name === "CONFIG" && (cmd[1] ?? "").toUpperCase() === "GET") {
      const pairs: string[] = [];
      for (const key of cmd.slice(2)) {
        const value = opts.config?.[key];
        if (value !== undefined) pairs.push(key, value);
      }
      return array(pairs);
    }
    return "+OK\r\n";
  };
  const server = createServer((sock) => {
    connections++;
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    let pending: Buffer = Buffer.alloc(0);
    sock.on("data", (d: Buffer) => {
      const parsed = parseCommands(Buffer.concat([pending, d]));
      pending = Buffer.from(parsed.rest);
      for (const cmd of parsed.commands) sock.write(reply(cmd));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address();
  port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    host,
    port,
    id: `${host}:${port}`,
    connections: () => connections,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Registers `announce` as a replica of the master over a raw connection and keeps it registered
 * until the returned function closes it. Whatever the master streams (the RDB) is read and dropped.
 */
export async function announceReplica(master: { host: string; port: number }, announce: { ip: string; port: number }): Promise<() => Promise<void>> {
  const sock = connect({ host: master.host, port: master.port });
  sock.on("error", () => undefined);
  let replies = "";
  const twoOks = new Promise<void>((resolve, reject) => {
    sock.on("data", (d: Buffer) => {
      if (replies.length < 64) replies += d.toString("latin1");
      if (replies.startsWith("+OK\r\n+OK\r\n")) resolve();
      else if (replies.startsWith("-") || (replies.length >= 10 && !replies.startsWith("+OK"))) reject(new Error(`master refused REPLCONF: ${replies.trim()}`));
    });
    sock.once("close", () => reject(new Error("master closed the connection")));
  });
  twoOks.catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", () => resolve());
    sock.once("error", reject);
  });
  sock.write(array(["REPLCONF", "listening-port", String(announce.port)]));
  sock.write(array(["REPLCONF", "ip-address", announce.ip]));
  // PSYNC is refused while replies are still pending on the connection: wait for both +OK first.
  await twoOks;
  sock.write(array(["PSYNC", "?", "-1"]));
  return async () => {
    if (sock.destroyed) return;
    const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
    sock.destroy();
    await closed;
  };
}
