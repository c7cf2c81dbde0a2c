// The one process: Next.js pages and API routes plus socket.io on one http.Server, and the monitor.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { hostname } from "node:os";
import path from "node:path";
import next from "next";
import { auditLogOn } from "./lib/audit/log";
import { authenticate, authenticateShared, CLIENT_IP_HEADER, isPublicPath, isSafeMethod, originAllowed, ROLE_HEADER, USER_HEADER } from "./lib/auth/gate";
import { safeNextPath } from "./lib/auth/next-path";
import { LoginLimiter } from "./lib/auth/rate-limit";
import { SharedLoginLimiter } from "./lib/auth/shared-rate-limit";
import { startSessionSync } from "./lib/auth/shared-sessions";
import { openAuth } from "./lib/auth/store";
import { openCoordination, type Coordination } from "./lib/realtime/coordination";
import { createCoordinationRedis } from "./lib/fleet/coordination";
import { claimEventSlot, fleetEventIds } from "./lib/fleet/event-ids";
import { serveFleet, type FleetServing } from "./lib/fleet/serve";
import { ConfigError, loadConfig, type AppConfig } from "./lib/config/load";
import { CompareRunner } from "./lib/compare/runner";
import { RestoreDrillRunner } from "./lib/backup/drill-runner";
import { liveConnector } from "./lib/backup/live-target";
import { SandboxPool } from "./lib/backup/sandbox";
import { BackupManager } from "./lib/backup/manager";
import { DrillManager } from "./lib/drills/runner";
import { KeyConnectionPool } from "./lib/keys/connections";
import { DrillStore } from "./lib/drills/store";
import { TransferManager } from "./lib/backup/logical/jobs";
import { createMetrics } from "./lib/metrics/collect";
import { MonitorHub } from "./lib/monitor/hub";
import { eventStoreOn } from "./lib/timeline/store";
import { openStore } from "./lib/store";
import { importLegacy } from "./lib/store/legacy-import";
import { attachSocketServer } from "./lib/realtime/socket-server";
import { setRuntime } from "./lib/runtime";
import { jobFleetOn } from "./lib/fleet/fleet";
import { bodyLimitFor, declaredLength } from "./lib/http/body";
import { guardFrontDoor, type Refusal } from "./lib/http/front-door";
import { allowedHosts, hostAllowed } from "./lib/http/host";
import { methodNotAllowed } from "./lib/http/method-table";
import { pathOf, pathProblem } from "./lib/http/request-path";

// `npm run build` compiles this file to dist/server.js (scripts/build-server.ts defines this as
// true there); Next's .next/ and the public/ folder sit in the project root, one level above.
declare const __REPLSCOPE_BUNDLED__: boolean | undefined;
const PROJECT_ROOT = typeof __REPLSCOPE_BUNDLED__ === "boolean" && __REPLSCOPE_BUNDLED__ ? path.dirname(__dirname) : __dirname;

// Next's telemetry would try to reach the internet on every start; an ops tool should not phone home.
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

export interface RunningServer {
  url: string;
  port: number;
  hub: MonitorHub;
  generatedPassword: string | null;
  close: () => Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
};

/**
 * Scripts run only with this request's nonce (Next reads it from the request's CSP header and puts
 * it on its own inline scripts); styles may be inline because the charts set style attributes.
 * Development adds 'unsafe-eval' for React's dev tooling.
 */
function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Refused before anything else runs (socket.io handshakes included): a path that a router could
 * read differently from how it is written (400), a Host this server does not answer for (421: DNS
 * rebinding), a declared body larger than any route accepts (413, without reading it).
 */
function frontDoorCheck(req: IncomingMessage, hosts: Set<string>, importMaxBytes: number | undefined): Refusal | null {
  const problem = pathProblem(req.url ?? "");
  if (problem) return { status: 400, error: problem };
  if (!hostAllowed(hosts, req.headers.host)) {
    const host = (req.headers.host ?? "").slice(0, 100);
    return { status: 421, error: `replscope does not answer for host "${host}": open it by its configured address (REPLSCOPE_PUBLIC_URL, or HOST and localhost)` };
  }
  const length = declaredLength(req.headers["content-length"]);
  if (Number.isNaN(length)) return { status: 400, error: "Content-Length is not a number" };
  // Only POST /api/import (a dump file, streamed to the importer) may be larger than MAX_BODY_BYTES.
  const limit = bodyLimitFor(req.method, pathOf(req.url ?? "/"), importMaxBytes);
  if (length !== null && length > limit) return { status: 413, error: `body too large (at most ${limit} bytes)` };
  return null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.end(JSON.stringify(body));
}

/** Where the store lives, for the start banner: never the URL's user name or password. */
function storeDescription(config: AppConfig): string {
  if (!config.databaseUrl) return `SQLite at ${path.join(config.dataDir, "replscope.db")}`;
  const u = new URL(config.databaseUrl);
  return `PostgreSQL at ${u.host}${u.pathname}`;
}

export async function startReplscope(config: AppConfig, opts: { dev?: boolean; quiet?: boolean } = {}): Promise<RunningServer> {
  const dev = opts.dev ?? process.env.NODE_ENV !== "production";
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const imported = await importLegacy(store, config.dataDir);
  if (imported.movedTo.length && !opts.quiet) {
    console.log(`replscope: imported ${imported.events} events, ${imported.audit} audit entries, ${imported.drills} drills, ${imported.compare} compare reports${imported.auth ? ", the login state" : ""}; old files kept in ${imported.movedTo.join(", ")}`);
  }
  const auth = await openAuth(store.auth, config.password, config.apiToken, config.users);
  // Several instances (REPLSCOPE_COORDINATION_URL, on the shared PostgreSQL store): socket.io
  // messages cross instances through the coordination Redis, and sessions opened or ended on
  // another instance are read from the store. Without the URL nothing of this runs.
  const coordination: Coordination | null = config.coordinationUrl ? openCoordination(config.coordinationUrl) : null;
  // Stable across restarts where it can be (a restarted instance then marks its own unfinished jobs).
  const instanceId = config.instanceId ?? (config.port ? `${hostname()}:${config.port}` : randomUUID());
  const stopSessionSync = coordination ? startSessionSync(auth) : () => {};
  const audit = auditLogOn(store);
  // Several instances: commands to the coordination Redis (leases, shared state) on a connection
  // that fails fast, and timeline ids that cannot collide between instances (lib/fleet/event-ids).
  const fleetRedis = config.coordinationUrl ? createCoordinationRedis(config.coordinationUrl) : null;
  const eventSlot = fleetRedis ? await claimEventSlotPatiently(fleetRedis, instanceId) : null;
  const events = await eventStoreOn(store, eventSlot !== null ? { ids: (floor) => fleetEventIds(eventSlot, floor) } : {});
  const hub = new MonitorHub(
    config.topologies,
    {
      nextId: () => events.nextId(),
      append: (e) => events.append(e),
      sample: (topology, node, at, s) => store.metrics.record(topology, node, at, s),
    },
    // With several instances the coordinator decides what this one polls (lib/fleet/serve.ts).
    { managed: fleetRedis !== null },
  );
  const fleetRef: { current: FleetServing | null } = { current: null };
  // The socket server needs the http.Server, which needs the runtime: metrics read it lazily.
  const socketsRef: { current?: ReturnType<typeof attachSocketServer> } = {};
  const metrics = createMetrics(hub, {
    socketClients: () => socketsRef.current?.io.engine.clientsCount ?? 0,
    eventQueueDepth: () => socketsRef.current?.broadcaster.queueDepth ?? 0,
    fleet: () => fleetRef.current?.fleet ?? null,
  });
  const offPoll = hub.onPoll((t, n, ms) => metrics.observePoll(t, n, ms));
  // Drill and compare progress go to the browsers over the socket (it exists from below on).
  // Jobs record the instance that runs them; another instance marks them interrupted once it is gone.
  const fleet = fleetRedis ? jobFleetOn(fleetRedis, instanceId) : null;
  const drills = await DrillManager.open(hub, new DrillStore(store.drills), (d) => socketsRef.current?.channels.drillUpdated(d), undefined, { fleet });
  const compare = await CompareRunner.open({ hub, reports: store.compare, onUpdate: (s) => socketsRef.current?.channels.compareUpdated(s.id), fleet });
  const keyPool = new KeyConnectionPool();
  const backups = await BackupManager.open({ hub, config, backups: store.backups, schedules: store.backupSchedules, fleet });
  // Logical export/import: progress to the sockets, and the final report to the audit log.
  const transfers = new TransferManager({
    dataDir: config.dataDir,
    onUpdate: (job) => socketsRef.current?.channels.transferUpdated(job),
    onFinished: (job) =>
      audit.append({
        at: Date.now(), user: job.startedBy?.user ?? "replscope", role: job.startedBy?.role ?? "system", action: `${job.kind}:finished`, topology: job.topology, nodes: [job.node],
        params: { id: job.id, status: job.status, keys: job.keys, bytes: job.bytes, ...(job.kind === "import" ? { restored: job.restored, skipped: job.skipped, failed: job.failed, expired: job.expired, errorOffset: job.errorOffset } : { vanished: job.vanished, sha256: job.sha256 }) },
        result: job.status === "done" ? "ok" : "error", ...(job.error ? { error: job.error } : {}),
      }),
  });
  // Restore drills: sandboxes under the data dir (not /tmp, which may be RAM), at most 2 at once.
  const restoreDrills = await RestoreDrillRunner.open({
    pool: new SandboxPool({ parentDir: path.join(config.dataDir, "sandboxes") }),
    repo: store.restoreDrills,
    backups,
    setVerification: (id, v) => store.backups.setVerification(id, v),
    exportFile: async (id) => {
      const job = transfers.get(id);
      if (job && (job.kind !== "export" || job.status === "running")) return { status: 409, error: job.kind !== "export" ? `${id} is an import, not an export` : `export ${id} is still running` };
      const f = transfers.exportFile(id);
      return f ? { path: f.path, topology: job?.topology ?? null } : { status: 404, error: `no export file ${id}` };
    },
    pinExport: (id) => transfers.pinExport(id),
    live: liveConnector(hub),
    fleet,
  });
  setRuntime({
    config,
    hub,
    auth,
    events,
    audit,
    store,
    metrics,
    drills,
    compare,
    keyPool,
    backups,
    transfers,
    restoreDrills,
    // Several instances count failed logins together (each falls back to its own while the coordination Redis is away).
    loginLimiter: fleetRedis ? new SharedLoginLimiter(fleetRedis) : new LoginLimiter(),
    get fleet() {
      return fleetRef.current?.fleet ?? null;
    },
    polledElsewhere: (topology, nodeId) => socketsRef.current?.views?.pollerFor(topology, nodeId) ?? null,
    mirrored: () => socketsRef.current?.views?.mirrored() ?? [],
    disconnectSockets: () => socketsRef.current?.io.disconnectSockets(true),
    startedAt: Date.now(),
  });

  const app = next({ dev, hostname: config.host, port: config.port, dir: PROJECT_ROOT });
  const handle = app.getRequestHandler();
  await app.prepare();

  const gate = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const csp = contentSecurityPolicy(randomBytes(16).toString("base64"), dev);
    res.setHeader("Content-Security-Policy", csp);
    req.headers["content-security-policy"] = csp;
    // The front door has refused every path that is not plain and normalised: this is the path Next routes.
    const pathname = pathOf(req.url ?? "/");
    const headers = { cookie: req.headers.cookie, authorization: req.headers.authorization, origin: req.headers.origin, host: req.headers.host };
    // Route handlers trust these; a client must never be able to send its own.
    delete req.headers[USER_HEADER];
    delete req.headers[ROLE_HEADER];
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "unknown";
    if (!isSafeMethod(req.method) && !originAllowed(headers)) {
      sendJson(res, 403, { error: "cross-origin request refused" });
      return false;
    }
    if (isPublicPath(pathname)) return true;
    const who = coordination ? await authenticateShared(headers, auth) : authenticate(headers, auth);
    if (who.ok) {
      req.headers[USER_HEADER] = who.user;
      req.headers[ROLE_HEADER] = who.role;
      return true;
    }
    if (pathname === "/api" || pathname.startsWith("/api/") || pathname === "/metrics") {
      sendJson(res, 401, { error: "login required: POST /api/auth/login or send Authorization: Bearer <REPLSCOPE_API_TOKEN>" });
    } else {
      res.statusCode = 302;
      res.setHeader("Location", `/login?next=${encodeURIComponent(safeNextPath(req.url))}`);
      res.end();
    }
    return false;
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!(await gate(req, res))) return;
    // Next answers an unsupported method with an empty 405: API clients get JSON, from the route table.
    const allow = methodNotAllowed(req.method ?? "GET", pathOf(req.url ?? "/"));
    if (allow !== null) {
      res.setHeader("Allow", allow);
      return sendJson(res, 405, { error: `method ${req.method} is not allowed on ${pathOf(req.url ?? "/")} (allowed: ${allow})` });
    }
    await handle(req, res);
  };
  const httpServer = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      console.error("replscope: request failed", err);
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
    });
  });
  const upgrade = app.getUpgradeHandler();
  const io = attachSocketServer(
    httpServer,
    hub,
    auth,
    {},
    { drills, compare: () => compare, transfers: () => transfers, viewerValues: config.viewerValues },
    {},
    coordination
      ? {
          adapter: coordination.adapter,
          views: {
            redis: coordination.client,
            selfId: instanceId,
            topologies: () => [...hub.configs.keys()],
            tokenOf: (t) => {
              const lease = fleetRef.current?.fleet.coordinator.lease(t);
              return lease?.isValid() ? lease.token : undefined;
            },
            liveMembers: () => {
              const s = fleetRef.current?.fleet.status();
              // Before the first tick the member list is empty, not "everyone is gone".
              return s && s.reachable && s.members.length > 0 ? s.members : null;
            },
          },
        }
      : {},
  );
  socketsRef.current = io;
  // socket.io handles its own path; everything else (Next dev HMR) goes to Next. Upgraded sockets
  // are not tracked by http.Server, so keep them to close them on shutdown.
  const upgraded = new Set<import("node:stream").Duplex>();
  httpServer.on("upgrade", (req, socket, head) => {
    if ((req.url ?? "").startsWith("/socket.io")) return;
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    void upgrade(req, socket, head);
  });

  // Installed last, so that it sits in front of socket.io's and Next's listeners too. The Host
  // names depend on the port actually bound (PORT=0 picks one), hence filled in after listen.
  let hosts = new Set<string>();
  guardFrontDoor(httpServer, (req) => frontDoorCheck(req, hosts, config.importMaxBytes));

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const addr = httpServer.address();
  const port = typeof addr === "object" && addr ? addr.port : config.port;
  hosts = allowedHosts({ host: config.host, port, publicUrl: config.publicUrl });
  hub.start();
  if (fleetRedis) {
    fleetRef.current = serveFleet({
      redis: fleetRedis,
      hub,
      id: instanceId,
      eventSlot: eventSlot ?? undefined,
      address: config.publicUrl ?? `${config.host}:${port}`,
      onPolled: (t, polled) => {
        // Either way the browsers' copy of the topology came from elsewhere meanwhile: no baseline kept.
        io.broadcaster.forget(t);
        if (polled) io.views?.forget(t);
      },
      // A failover drill follows its topology through this instance's monitor: no rebalance mid-drill.
      keep: (t) => drills.isRunning(t),
    });
    fleetRef.current.start();
  }
  // The address to open: one the Host check answers (a wildcard listen address is not one).
  const listenName = ["0.0.0.0", "::"].includes(config.host) ? "localhost" : config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = config.publicUrl?.replace(/\/$/, "") ?? `http://${listenName}:${port}`;
  if (!opts.quiet) {
    console.log(`replscope listening on ${url} (${dev ? "development" : "production"})`);
    console.log(`  storing in ${storeDescription(config)}`);
    if (coordination) console.log(`  instance ${instanceId}, coordinating through ${coordination.description}`);
    for (const t of config.topologies) console.log(`  watching "${t.name}" from ${t.seeds.map((s) => `${s.host}:${s.port}`).join(", ")}`);
    if (auth.generatedPassword) {
      console.log(`\n  First start: generated login password (shown once, only its hash is stored in ${config.dataDir}):\n\n      ${auth.generatedPassword}\n`);
    }
  }

  return {
    url,
    port,
    hub,
    generatedPassword: auth.generatedPassword,
    close: async () => {
      // Gracefully: the other instances take this one's topologies over at once.
      await fleetRef.current?.stop();
      hub.stop();
      await compare.close();
      await drills.close();
      await restoreDrills.close();
      await backups.close();
      await transfers.close();
      keyPool.close();
      for (const s of upgraded) s.destroy();
      offPoll();
      metrics.close();
      stopSessionSync();
      await Promise.race([io.close(), new Promise((r) => setTimeout(r, 2000))]);
      coordination?.close();
      fleetRedis?.disconnect();
      httpServer.closeAllConnections();
      await events.close();
      await auth.flush();
      await store.close();
      setRuntime(undefined);
    },
  };
}

/** The coordination Redis may still be starting: a few tries before giving up with a clear error. */
async function claimEventSlotPatiently(redis: import("ioredis").default, instanceId: string): Promise<number> {
  let last: unknown;
  for (let i = 0; i < 20; i++) {
    try {
      return await claimEventSlot(redis, instanceId);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`the coordination Redis (REPLSCOPE_COORDINATION_URL) did not answer for 10 s: ${last instanceof Error ? last.message : String(last)}`);
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`replscope: configuration error\n${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const server = await startReplscope(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`replscope: ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    void server.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error("replscope: failed to start:", err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
