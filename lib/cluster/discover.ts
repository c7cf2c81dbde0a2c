// Reads a Redis Cluster through ONE seed node: CLUSTER INFO, CLUSTER NODES and (7.0+) CLUSTER SHARDS,
// each bounded by the connection's timeout. The other nodes' addresses come back as data: dialPlan
// says which of them the operator's allow list lets us dial; this module never dials them itself.
import { formatAddress } from "../redis/address";
import { connectionError, createConnection, describeRedisError, withTimeout, type ConnectOptions } from "../redis/connection";
import { buildClusterView, type ClusterNodeReading, type ClusterView } from "./model";

export class ClusterReadError extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`${address}: ${reason}`);
    this.name = "ClusterReadError";
  }
}

/** One node's raw cluster replies. Rejects with ClusterReadError (connection, timeout, not a cluster node). */
export async function readClusterNode(o: ConnectOptions): Promise<ClusterNodeReading> {
  const address = formatAddress(o.host, o.port);
  const redis = createConnection({ ...o, connectionName: o.connectionName ?? "replscope-cluster" });
  const call = (...args: string[]) => withTimeout(redis.call("CLUSTER", ...args), o.timeoutMs);
  try {
    await withTimeout(redis.connect(), o.timeoutMs);
    const info = await call("INFO");
    if (typeof info !== "string") throw new Error("CLUSTER INFO gave no text");
    const nodes = await call("NODES");
    if (typeof nodes !== "string") throw new Error("CLUSTER NODES gave no text");
    // CLUSTER SHARDS only exists from 7.0; older servers answer "unknown subcommand".
    const shards = await call("SHARDS").catch((err: unknown) => {
      if (/unknown subcommand|unknown command/i.test(String((err as Error)?.message))) return undefined;
      throw err;
    });
    return { address, info, nodes, shards };
  } catch (err) {
    const reason = describeRedisError(connectionError(redis, err));
    throw new ClusterReadError(address, /cluster support disabled/i.test(reason) ? "not a cluster node (cluster support disabled)" : reason);
  } finally {
    redis.disconnect();
  }
}

/** The cluster as the seed sees it. Dials the seed only. */
export async function discoverCluster(seed: ConnectOptions): Promise<ClusterView> {
  return buildClusterView(await readClusterNode(seed));
}

export interface AnnouncedNode {
  id: string;
  /** host:port as the cluster announces it. */
  address: string;
  host: string;
  port: number;
}

export interface DialPlan {
  dial: AnnouncedNode[];
  /** Announced but not allowed (or with no usable address); shown, never dialled. */
  refused: { id: string; address: string | null; reason: string }[];
}

/**
 * Which announced nodes may be dialled, given `allow` (lib/redis/allow-list createAllowList: host
 * names match literally, addresses and CIDR ranges by value). The seed is listed like any other
 * node: the caller already chose to dial it.
 */
export function dialPlan(view: ClusterView, allow: (host: string) => boolean): DialPlan {
  const plan: DialPlan = { dial: [], refused: [] };
  for (const n of view.nodes) {
    const at = n.address ? n.address.lastIndexOf(":") : -1;
    if (!n.address || at <= 0) {
      plan.refused.push({ id: n.id, address: n.address, reason: "no announced address" });
      continue;
    }
    const host = n.address.slice(0, at);
    const port = Number(n.address.slice(at + 1));
    if (allow(host)) plan.dial.push({ id: n.id, address: n.address, host, port });
    else plan.refused.push({ id: n.id, address: n.address, reason: `${host} is not in discovery.allow` });
  }
  return plan;
}
