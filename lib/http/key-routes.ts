// The key routes that name one key, in their two forms: the original query-string form (GET and
// DELETE ?key=) and the body form (POST {key, ...}) that carries names of any length: a URL or
// header over ~16 KB gets a 431 before replscope ever sees it, and Redis key names can be far
// longer. Both forms share the schemas and the handlers here.
import { z } from "zod";
import { missingError } from "./missing";
import { deleteKey, openKey } from "../keys/browse";
import { redactKeyDetails, redactSideBySide } from "../keys/redact";
import { shardOfKey } from "../keys/cluster-scan";
import { decodeKey } from "../keys/codec";
import { keyOnEveryNode } from "../keys/side-by-side";
import { keySlot } from "../cluster/slot";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import type { NodeView } from "../monitor/types";
import type { Runtime } from "../runtime";
import type { Requester } from "./auth";
import { MAX_BODY_BYTES } from "./body";
import { fromRedis, HttpError } from "./errors";
import { Db, KeyToken, resolveNode, Topology } from "./keys-request";
import type { ActionInfo } from "./operator";
import { valuesHidden } from "./operator";

/**
 * A body holding the longest key token KeyToken accepts, plus room for the other fields; the front
 * door refuses any body over MAX_BODY_BYTES anyway.
 */
export const KEY_BODY_MAX_BYTES = MAX_BODY_BYTES;

export const ReadRequest = z.object({
  topology: Topology,
  key: KeyToken,
  db: Db,
  // Value page cursor from the previous answer's nextCursor; its shape depends on the type.
  cursor: z.string().min(1).max(64, "cursor is at most 64 characters").optional(),
  pageSize: z.coerce.number().int().min(1, "pageSize must be 1..1000").max(1000, "pageSize must be 1..1000").optional(),
});
export type ReadRequest = z.infer<typeof ReadRequest>;

export const KeyRequest = z.object({ topology: Topology, key: KeyToken, db: Db });
export type KeyRequest = z.infer<typeof KeyRequest>;

/** One bounded page of a key's value on one node (no value-derived fields for hidden viewers). */
export async function readKey(rt: Runtime, who: Requester, id: string, q: ReadRequest): Promise<object> {
  const node = resolveNode(rt.hub, id, q.topology);
  const details = await fromRedis(openKey(rt.keyPool, node, q));
  if (!details) throw new HttpError(404, `no such key in db ${q.db} on ${node.view.id}`);
  const shown = valuesHidden(who, rt) ? redactKeyDetails(details) : details;
  return { node: node.view.id, db: q.db, ...shown };
}

/** The audit entry of a key deletion. */
export function deleteAction(id: string, q: KeyRequest): ActionInfo {
  return { action: "key:delete", topology: q.topology ?? null, nodes: [id], params: { key: q.key.slice(0, 256), db: q.db } };
}

/** Operator action (the UI asks for confirmation first). A read-only replica answers READONLY: 409. */
export async function removeKey(rt: Runtime, id: string, q: KeyRequest): Promise<object> {
  const node = resolveNode(rt.hub, id, q.topology);
  const deleted = await fromRedis(deleteKey(rt.keyPool, node, q));
  if (deleted === 0) throw new HttpError(404, `no such key in db ${q.db} on ${node.view.id}`);
  return { node: node.view.id, key: q.key, db: q.db, deleted };
}

/** The same key on every node of a topology, master first. */
export async function sideBySide(rt: Runtime, who: Requester, q: KeyRequest): Promise<object> {
  const monitor = q.topology === undefined ? rt.hub.monitors.values().next().value : rt.hub.get(q.topology);
  if (!monitor) throw missingError(rt, { topology: q.topology });
  const result = await fromRedis(keyOnEveryNode(rt.keyPool, monitor, q.key, q.db, clusterShardNodes(monitor, q.key)));
  const shown = valuesHidden(who, rt) ? redactSideBySide(result) : result;
  // The API shape from the issue (lagBytes), plus the full per-node details the UI renders.
  return { ...shown, nodes: shown.nodes.map((n) => ({ ...n, lagBytes: n.behindBytes })) };
}

/** A cluster key's shard (master first, then its replicas) as monitored nodes; undefined for a replication topology. */
function clusterShardNodes(monitor: TopologyMonitor, keyToken: string): NodeView[] | undefined {
  const view = monitor.clusterStatus()?.view;
  if (!view) return undefined;
  let key: Buffer;
  try {
    key = decodeKey(keyToken);
  } catch {
    return undefined; // keyOnEveryNode answers the malformed token
  }
  const { master, replicas } = shardOfKey(view, key);
  if (!master) throw new HttpError(409, `no master serves slot ${keySlot(key)} of this key`);
  const views = monitor.views();
  const at = (address: string | null) => (address ? views.filter((v) => v.id === address) : []);
  // The first column is the reference: never let a replica stand in for an unmonitored master.
  if (at(master.address).length === 0) throw new HttpError(503, `the shard master ${master.address ?? master.id} is not monitored (outside discovery.allow or not read yet)`);
  return [...at(master.address), ...replicas.flatMap((r) => at(r.address)).sort((a, b) => a.id.localeCompare(b.id))];
}
