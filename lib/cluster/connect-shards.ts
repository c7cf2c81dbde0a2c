// Connections to a cluster's nodes, shard by shard, for the key browse (masters) and the compare
// (masters and replicas). Only nodes the dial plan allows are dialled (announced addresses are
// data); a node that is refused or does not answer is kept with the reason, so callers report it
// instead of dropping it. Replica connections get READONLY: without it a cluster replica answers
// every key read with MOVED to its master. Connections do not reconnect (lib/redis/connection),
// so READONLY, sent once, holds for the connection's life.
import type Redis from "ioredis";
import { connectionError, createConnection, describeRedisError, withTimeout, type ConnectOptions } from "../redis/connection";
import type { DialPlan } from "./discover";
import type { ClusterView, ShardView } from "./model";

export type NodeConnection = { id: string; address: string | null; redis: Redis } | { id: string; address: string | null; redis: null; reason: string };

export interface ShardConnections {
  shard: ShardView;
  master: NodeConnection;
  replicas: NodeConnection[];
}

export interface ClusterConnections {
  shards: ShardConnections[];
  /** Disconnects every connection opened here. */
  close(): void;
}

/** Everything but where to dial: credentials, TLS, timeout, connection name. */
export type NodeConnectBase = Omit<ConnectOptions, "host" | "port" | "db">;

export async function connectShards(view: ClusterView, plan: DialPlan, base: NodeConnectBase, o: { replicas: boolean }): Promise<ClusterConnections> {
  const opened: Redis[] = [];
  const dial = new Map(plan.dial.map((d) => [d.id, d] as const));
  const refused = new Map(plan.refused.map((r) => [r.id, r.reason] as const));
  const address = (id: string) => view.nodes.find((n) => n.id === id)?.address ?? null;

  const connect = async (id: string, replica: boolean): Promise<NodeConnection> => {
    const at = dial.get(id);
    if (!at) return { id, address: address(id), redis: null, reason: refused.get(id) ?? "not in the dial plan" };
    const redis = createConnection({ ...base, host: at.host, port: at.port });
    opened.push(redis);
    try {
      await withTimeout(redis.connect(), base.timeoutMs);
      if (replica) await withTimeout(redis.call("READONLY"), base.timeoutMs);
      return { id, address: at.address, redis };
    } catch (err) {
      redis.disconnect();
      return { id, address: at.address, redis: null, reason: describeRedisError(connectionError(redis, err)) };
    }
  };

  const shards = await Promise.all(
    view.shards.map(async (shard) => ({
      shard,
      master: await connect(shard.masterId, false),
      replicas: o.replicas ? await Promise.all(shard.replicaIds.map((id) => connect(id, true))) : [],
    })),
  );
  return { shards, close: () => opened.forEach((r) => r.disconnect()) };
}
