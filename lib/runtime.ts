// The server process's live objects, shared between server.ts and Next's route handlers. Next bundles
// route handlers separately from server.ts, so module-level singletons would be two different
// objects; a globalThis slot is the one place both see. server.ts (the composition root) builds
// every object here and closes them on shutdown; nothing else keeps a global.
import type { AppConfig } from "./config/load";
import type { AuditLog } from "./audit/log";
import type { LoginThrottle } from "./auth/rate-limit";
import type { AuthService } from "./auth/store";
import type { MonitorHub } from "./monitor/hub";
import type { Metrics } from "./metrics/collect";
import type { EventStore } from "./timeline/store";
import type { Store } from "./store";
import type { DrillManager } from "./drills/runner";
import type { CompareRunner } from "./compare/runner";
import type { KeyConnectionPool } from "./keys/connections";
import type { BackupManager } from "./backup/manager";
import type { TransferManager } from "./backup/logical/jobs";
import type { RestoreDrillRunner } from "./backup/drill-runner";
import type { Fleet } from "./fleet/fleet";
import type { TopologyView } from "./realtime/events";

export interface Runtime {
  config: AppConfig;
  hub: MonitorHub;
  auth: AuthService;
  /** The persistent timeline (bounded, survives restarts). */
  events: EventStore;
  audit: AuditLog;
  /** The database (metric history for the node page; the repositories). */
  store: Store;
  metrics: Metrics;
  drills: DrillManager;
  compare: CompareRunner;
  /** Connections for the key browser, side by side and fluentd reads (not the pollers'). */
  keyPool: KeyConnectionPool;
  /** Snapshot backups, the catalogue and the backup schedules' loop. */
  backups: BackupManager;
  /** Logical export/import jobs and the export files. */
  transfers: TransferManager;
  /** Restore drills: backups restored into sandbox redis-servers and verified. */
  restoreDrills: RestoreDrillRunner;
  /** Ends every live socket (after "log out everywhere"); set once the socket server exists. */
  disconnectSockets: () => void;
  /** Failed-login throttle: LoginLimiter alone, SharedLoginLimiter (coordination Redis) with a fleet. */
  loginLimiter: LoginThrottle;
  /** Several instances (REPLSCOPE_COORDINATION_URL): this instance's view of the fleet; null alone. */
  fleet: Fleet | null;
  /**
   * Several instances: the instance that polls `topology` (holding `nodeId`, when given) if it is
   * another one, as this instance's mirror last heard; null when it is polled here or unknown.
   */
  polledElsewhere: (topology: string | undefined, nodeId?: string) => string | null;
  /** Several instances: the topologies other instances poll, as this one mirrors them (empty alone). */
  mirrored: () => { view: TopologyView; owner: string; ownerLost: boolean }[];
  startedAt: number;
}

const KEY = Symbol.for("replscope.runtime");
type Slot = { [KEY]?: Runtime };

export function setRuntime(r: Runtime | undefined): void {
  (globalThis as Slot)[KEY] = r;
}

export function getRuntime(): Runtime {
  const r = (globalThis as Slot)[KEY];
  if (!r) throw new Error("replscope runtime not initialised: start the app with server.ts (npm start / npm run dev)");
  return r;
}

/** The runtime when running under server.ts, else undefined (pages then let their API calls say so). */
export function findRuntime(): Runtime | undefined {
  return (globalThis as Slot)[KEY];
}
