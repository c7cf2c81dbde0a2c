// Pure: "restoring an RDB into this topology" — the exact steps in order and what will happen to
// THIS topology's nodes, stated plainly. Built from what the monitor knows (roles, AOF, save
// points, replicas, Sentinel); where something is unknown the plan says so instead of assuming.
//
// The claims rest on Redis 7.0's own code and tests:
// - AOF on: loadDataFromDisk() (src/server.c, 7.0.15) loads the append-only files when
//   `appendonly yes` and never opens the RDB; with no AOF yet it starts empty.
// - A master started from an RDB restores the replication ID and offset stored in the RDB's aux
//   fields (repl-id, repl-offset): 7.0 keeps the ID as its secondary one (master_replid2,
//   second_repl_offset = offset + 1) and its master_repl_offset continues from that offset, so a
//   replica at exactly that position resyncs partially. Verified by
//   tests/integration/psync2-master-restart.tcl (7.0.15), "PSYNC2: Partial resync after Master
//   restart using RDB aux fields with data": master_repl_offset == the old offset,
//   master_replid2 == the old ID, sync_partial_ok == 1 after the restart.
//   A replica that is AHEAD of the backup (it saw writes after it) asks for an offset beyond
//   second_repl_offset and gets a full resync: it drops those writes and rolls back to the backup.

import type { SavePoint } from "./view";

export interface RestoreNode {
  id: string;
  role: "master" | "replica" | "unknown";
  status: "up" | "down";
  /** host:port of its master (replicas). */
  masterId: string | null;
  /** aof_enabled; null: unknown. */
  aofEnabled: boolean | null;
  /** From CONFIG GET save; null: unknown (refused). */
  savePoints: SavePoint[] | null;
  replOffset: number | null;
  replid: string | null;
}

export interface RestoreTopology {
  name: string;
  nodes: RestoreNode[];
  /** Sentinel master names watching this topology's master; [] when no Sentinel is known. */
  sentinelMasters: string[];
  sentinelCount: number;
}

export interface RestoreStep {
  title: string;
  /** Exact commands, to run where the title says. */
  commands: string[];
  why: string;
}

export interface RestoreConsequence {
  kind: "replicas-roll-back" | "partial-resync-possible" | "aof-ignores-rdb" | "persistence-off" | "sentinel-failover" | "unknown" | "no-master";
  text: string;
}

export interface RestorePlan {
  topology: string;
  master: string | null;
  /** Every node that says it is master: with more than one, the plan is for the one chosen. */
  masters: string[];
  replicas: string[];
  consequences: RestoreConsequence[];
  steps: RestoreStep[];
}

function list(ids: string[]): string {
  return ids.length === 0 ? "none" : ids.join(", ");
}

/** Every replica below `master`, directly or through other replicas (chained), nearest first. */
function below(nodes: RestoreNode[], master: string): RestoreNode[] {
  const out: RestoreNode[] = [];
  const seen = new Set([master]);
  for (let i = -1; i < out.length; i++) {
    const parent = i < 0 ? master : out[i]!.id;
    for (const n of nodes) {
      if (n.role === "replica" && n.masterId === parent && !seen.has(n.id)) {
        seen.add(n.id);
        out.push(n);
      }
    }
  }
  return out;
}

/** A replica's chain followed up to the node at its top (a replica's page links to its group). */
function rootOf(nodes: RestoreNode[], id: string): string {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let at = id;
  for (let hops = 0; hops <= nodes.length; hops++) {
    const n = byId.get(at);
    if (!n || n.role !== "replica" || !n.masterId) return at;
    at = n.masterId;
  }
  return at;
}

/**
 * The plan for restoring an RDB into `chosen` (a master's id) and the replicas below it; without
 * `chosen`, for the topology's only master. Several masters and none chosen: no steps, the choice.
 */
export function restorePlan(t: RestoreTopology, chosen?: string): RestorePlan {
  const masters = t.nodes.filter((n) => n.role === "master");
  const ids = masters.map((m) => m.id);
  const root = chosen === undefined ? undefined : rootOf(t.nodes, chosen);
  const master = root !== undefined ? (masters.find((m) => m.id === root) ?? null) : masters.length === 1 ? masters[0]! : null;
  const replicas = master ? t.nodes.filter((n) => n.role === "replica" && n.masterId === master.id) : [];
  // Sub-replicas follow their replica, which follows the master: they roll back with it.
  const downstream = master ? below(t.nodes, master.id) : [];
  const consequences: RestoreConsequence[] = [];
  const steps: RestoreStep[] = [];
  const sentinel = t.sentinelCount > 0 || t.sentinelMasters.length > 0;
  // Names and addresses come from the servers: only plain ones go into a command to paste.
  const first = t.sentinelMasters[0];
  const name = first !== undefined && SAFE_NAME.test(first) ? first : "<master-name>";

  if (!master) {
    consequences.push({
      kind: "no-master",
      text:
        chosen !== undefined
          ? `${chosen} is not a master in this topology right now (masters: ${list(ids)}).`
          : masters.length === 0
            ? "No master is known in this topology right now: the plan cannot name the node to restore."
            : `${masters.length} nodes say they are master (${list(ids)}): choose the one whose data the backup replaces. If they should be one replication group, settle which is the master before restoring anything.`,
    });
    return { topology: t.name, master: null, masters: ids, replicas: [], consequences, steps };
  }

  const aof = master.aofEnabled;
  const persistenceOff = master.savePoints !== null && master.savePoints.length === 0 && aof === false;

  if (downstream.length > 0) {
    consequences.push({
      kind: "replicas-roll-back",
      text:
        `Every replica (${list(downstream.map((n) => n.id))}) follows the restored master: each one that saw a write after the backup full-resyncs, ` +
        `drops those writes and rolls back to the backup. Nothing on a replica survives the restore unless you copy it first (step 1).`,
    });
    consequences.push({
      kind: "partial-resync-possible",
      text:
        "The restored master keeps the replication ID and offset stored in the RDB (aux fields repl-id and repl-offset; Redis 7.0 shows the ID as master_replid2). " +
        "A replica whose offset is exactly the backup's may resync partially (no data transfer); every other one gets a full resync.",
    });
  }
  if (aof === true) {
    consequences.push({
      kind: "aof-ignores-rdb",
      text: `AOF is on on ${master.id}: at start Redis loads the append-only file and ignores the RDB, so copying the backup into place alone restores nothing. Start it with AOF off, load the RDB, then turn AOF back on (steps below).`,
    });
  }
  if (aof === null) {
    consequences.push({ kind: "unknown", text: `Whether AOF is on on ${master.id} is unknown (no INFO persistence read): check \`CONFIG GET appendonly\` first; with AOF on the RDB is ignored.` });
  }
  if (persistenceOff) {
    consequences.push({
      kind: "persistence-off",
      text: `${master.id} has persistence off (no save points, appendonly no). Redis still loads the RDB found in its dir at start, so the restore works, but afterwards the next restart comes back empty and wipes the replicas: set save points or AOF once restored.`,
    });
  } else if (master.savePoints === null) {
    consequences.push({ kind: "unknown", text: `The save points of ${master.id} are unknown (CONFIG GET refused): if it saves on shutdown it would overwrite a file placed before the stop, so always stop it with SHUTDOWN NOSAVE.` });
  }
  if (sentinel) {
    consequences.push({
      kind: "sentinel-failover",
      text:
        `Sentinel watches this master (${t.sentinelMasters.length ? list(t.sentinelMasters) : "name unknown"}): if ${master.id} stays down longer than down-after-milliseconds, ` +
        "Sentinel promotes a replica that still holds the newer data and turns the restored node into its replica, which then full-resyncs and the restore is undone. Keep Sentinel from failing over during the restore.",
    });
  }

  steps.push({
    title: `Before you start: keep a copy of what is there now`,
    commands: replicas.length ? [`redis-cli -h ${hostOf(replicas[0]!.id)} -p ${portOf(replicas[0]!.id)} BGSAVE`, "# wait for rdb_bgsave_in_progress:0 and rdb_last_bgsave_status:ok, then copy its RDB aside"] : [`redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} BGSAVE`],
    why: "The restore overwrites the master and, through replication, every replica: the current data exists nowhere else afterwards.",
  });
  if (sentinel) {
    steps.push({
      title: "Keep Sentinel from failing over while the master is down",
      commands: [
        ...downstream.map((r) => `redis-cli -h ${hostOf(r.id)} -p ${portOf(r.id)} CONFIG SET replica-priority 0   # note the old value first: CONFIG GET replica-priority`),
        `# or, on every sentinel: SENTINEL SET ${name} down-after-milliseconds <longer than the restore>`,
      ],
      why: "Sentinel never promotes a replica with replica-priority 0; without an eligible replica it cannot fail over the restored master.",
    });
  }
  steps.push({
    title: `Stop writes to ${master.id}, note its dir and dbfilename, then stop it without saving`,
    commands: [`redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} CONFIG GET dir`, `redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} CONFIG GET dbfilename`, ...(aof !== false ? [`redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} CONFIG GET appenddirname`] : []), `redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} SHUTDOWN NOSAVE`],
    why: "SHUTDOWN NOSAVE: with save points set a plain SHUTDOWN writes an RDB of the current data on the way out.",
  });
  if (aof !== false) {
    steps.push({
      title: aof === true ? "Move the AOF directory aside and start with AOF off" : "If AOF is on: move the AOF directory aside and start with AOF off",
      commands: ["mv <dir>/<appenddirname> <dir>/<appenddirname>.before-restore", "# in the config file: appendonly no (or pass --appendonly no on the command line for this start)"],
      why: "With appendonly yes Redis loads the AOF and never reads the RDB.",
    });
  }
  steps.push({
    title: "Put the backup in place and check it",
    commands: ["redis-check-rdb <backup.rdb>", "cp <backup.rdb> <dir>/<dbfilename>", "chown redis:redis <dir>/<dbfilename>"],
    why: "The file Redis loads at start is <dir>/<dbfilename>; a damaged file makes it refuse to start.",
  });
  steps.push({
    title: `Start ${master.id} and confirm what it loaded`,
    commands: ["systemctl start redis-server   # or however this node is started", `redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} INFO persistence   # loading:0, rdb_last_load_keys_loaded`, `redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} INFO replication   # master_replid2 / master_repl_offset: the backup's position`],
    why: "The log says \"DB loaded from disk\"; the key count should match the backup's.",
  });
  if (aof !== false) {
    steps.push({
      title: "Turn AOF back on from the restored data",
      commands: [`redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} CONFIG SET appendonly yes`, "# wait for aof_rewrite_in_progress:0 and aof_last_bgrewrite_status:ok", `redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} CONFIG REWRITE   # or set appendonly yes in the config file again`],
      why: "CONFIG SET appendonly yes writes a new AOF from what is in memory (the backup); the old AOF directory stays aside.",
    });
  }
  if (persistenceOff) {
    steps.push({
      title: "Give the master persistence",
      commands: [`redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} CONFIG SET save "3600 1 300 100 60 10000"`, `redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} CONFIG REWRITE`],
      why: "Otherwise the next restart of this master comes back empty and its replicas follow it.",
    });
  }
  if (downstream.length > 0) {
    steps.push({
      title: "Watch the replicas resync",
      commands: [`redis-cli -h ${hostOf(master.id)} -p ${portOf(master.id)} INFO stats   # sync_full / sync_partial_ok count them`, ...downstream.map((r) => `redis-cli -h ${hostOf(r.id)} -p ${portOf(r.id)} INFO replication   # master_link_status:up, master_sync_in_progress:0`)],
      why: "Each replica now holds the backup, not what it had before.",
    });
  }
  if (sentinel) {
    steps.push({
      title: "Give Sentinel its failover back",
      commands: [...downstream.map((r) => `redis-cli -h ${hostOf(r.id)} -p ${portOf(r.id)} CONFIG SET replica-priority <the old value>`), `# on a sentinel: SENTINEL MASTER ${name}   # flags: master, no s_down/o_down`],
      why: "Until then no replica can be promoted if the master really fails.",
    });
  }
  return { topology: t.name, master: master.id, masters: ids, replicas: downstream.map((n) => n.id), consequences, steps };
}

/** What may appear as a word in a shell command the operator pastes (no metacharacters, no leading "-"). */
const SAFE_NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,127}$/;
const SAFE_HOST = /^[A-Za-z0-9.:_][A-Za-z0-9.:_-]{0,254}$/;

/** host of host:port (IPv6 bracketed in ids); a placeholder for anything not plainly a host. */
function hostOf(id: string): string {
  const i = id.lastIndexOf(":");
  const raw = i < 0 ? id : id.slice(0, i);
  const host = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw;
  return SAFE_HOST.test(host) ? host : "<host>";
}

function portOf(id: string): string {
  const i = id.lastIndexOf(":");
  const port = i < 0 ? "" : id.slice(i + 1);
  return /^\d{1,5}$/.test(port) ? port : "<port>";
}
