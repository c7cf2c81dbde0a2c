// Pure: what changed between two states of one node, as events an operator cares about.
import type { NodeState } from "./types";
import type { NodeEvent } from "../timeline/types";

export function masterIdOf(s: NodeState): string | null {
  const r = s.repl;
  if (!r || r.role !== "replica" || !r.masterHost || r.masterPort === null) return null;
  return `${r.masterHost}:${r.masterPort}`;
}

export function diffNode(prev: NodeState, next: NodeState): NodeEvent[] {
  const node = next.id;
  const events: NodeEvent[] = [];
  const push = (e: Omit<NodeEvent, "node">) => events.push({ ...e, node });

  if (prev.status === "down" && next.status === "up") {
    if (prev.lastOkAt === null) {
      push({ kind: "node:discovered", severity: "info", text: `${node} discovered (${next.role ?? "unknown role"})`, data: { role: next.role } });
    } else {
      const downMs = prev.downSince !== null && next.lastOkAt !== null ? next.lastOkAt - prev.downSince : null;
      push({ kind: "node:up", severity: "info", text: `${node} is reachable again${downMs !== null ? ` after ${(downMs / 1000).toFixed(1)} s` : ""}`, data: { downMs } });
    }
  }
  if (prev.status === "up" && next.status === "down") {
    push({ kind: "node:down", severity: "critical", text: `${node} unreachable: ${next.lastError ?? "unknown error"}`, data: { error: next.lastError } });
  }
  if (next.status !== "up" || prev.lastOkAt === null || !prev.repl || !next.repl) return events;

  if (prev.runId && next.runId && prev.runId !== next.runId) {
    push({ kind: "node:restarted", severity: "warning", text: `${node} restarted (run_id changed)`, data: { from: prev.runId, to: next.runId } });
  }
  const prevMaster = masterIdOf(prev);
  const nextMaster = masterIdOf(next);
  if (prev.role && next.role && prev.role !== next.role) {
    const text = next.role === "master" ? `${node} promoted to master` : `${node} became a replica of ${nextMaster}`;
    push({ kind: "node:role-changed", severity: "warning", text, data: { from: prev.role, to: next.role, master: nextMaster } });
  } else if (prevMaster && nextMaster && prevMaster !== nextMaster) {
    push({ kind: "replica:master-changed", severity: "warning", text: `${node} now replicates from ${nextMaster} (was ${prevMaster})`, data: { from: prevMaster, to: nextMaster } });
  } else if (prev.repl.replid && next.repl.replid && prev.repl.replid !== next.repl.replid) {
    push({ kind: "master:replid-changed", severity: "info", text: `${node} replication ID changed`, data: { from: prev.repl.replid, to: next.repl.replid } });
  }

  if (next.role === "replica" && prev.role === "replica") {
    if (prev.repl.linkStatus === "up" && next.repl.linkStatus === "down") {
      push({ kind: "replica:link-down", severity: "critical", text: `${node} lost its link to ${nextMaster}`, data: { master: nextMaster } });
    }
    if (prev.repl.linkStatus === "down" && next.repl.linkStatus === "up") {
      push({ kind: "replica:link-up", severity: "info", text: `${node} link to ${nextMaster} is up`, data: { master: nextMaster } });
    }
  }
  if (!prev.repl.syncInProgress && next.repl.syncInProgress) {
    push({ kind: "sync:started", severity: "warning", text: `${node} started a sync from ${nextMaster}`, data: { master: nextMaster } });
  }
  if (prev.repl.syncInProgress && !next.repl.syncInProgress) {
    push({ kind: "sync:finished", severity: "info", text: `${node} finished syncing`, data: { master: nextMaster } });
  }

  const before = new Set(prev.repl.replicas.map((r) => r.id));
  const after = new Set(next.repl.replicas.map((r) => r.id));
  for (const id of after) {
    if (before.has(id)) continue;
    const text = isRdbFetch(id) ? `an RDB fetch from ${id.slice(0, -2)} (port 0: redis-cli --rdb or a backup tool, not a replica) started on ${node}` : `replica ${id} attached to ${node}`;
    push({ kind: "replica:attached", severity: "info", text, data: { replica: id } });
  }
  for (const id of before) {
    if (after.has(id)) continue;
    // A fetch that ends is the normal end of a backup, not a replica lost.
    if (isRdbFetch(id)) push({ kind: "replica:detached", severity: "info", text: `the RDB fetch from ${id.slice(0, -2)} (port 0) ended on ${node}`, data: { replica: id } });
    else push({ kind: "replica:detached", severity: "warning", text: `replica ${id} detached from ${node}`, data: { replica: id } });
  }

  if (prev.repl.readOnly !== null && next.repl.readOnly !== null && prev.repl.readOnly !== next.repl.readOnly && next.role === "replica") {
    const writable = next.repl.readOnly === false;
    push({ kind: "replica:readonly-changed", severity: writable ? "warning" : "info", text: writable ? `${node} is now a WRITABLE replica` : `${node} is read-only again`, data: { readOnly: next.repl.readOnly } });
  }
  if (prev.repl.failoverState !== next.repl.failoverState && next.repl.failoverState) {
    push({ kind: "master:failover-state", severity: "warning", text: `${node} failover state: ${next.repl.failoverState}`, data: { from: prev.repl.failoverState, to: next.repl.failoverState } });
  }
  return events;
}

/**
 * A "replica" listed with port 0 announced no listening port: `redis-cli --rdb` (replscope's own
 * backups use it) or another backup tool taking one RDB over the replication protocol.
 */
function isRdbFetch(id: string): boolean {
  return id.endsWith(":0");
}
