// The live master a restore drill may compare its sandbox with: the topology's current master as
// the monitor sees it, reached with the topology's configured credentials (never an address a
// Redis server reported that the monitor has not already checked against the configuration).
import type { MonitorHub } from "../monitor/hub";
import { connectOptionsFor, rootMaster } from "../keys/node-target";
import { connectionError, createConnection, describeRedisError } from "../redis/connection";
import type { LiveConnector } from "./drill-runner";

export function liveConnector(hub: MonitorHub): LiveConnector {
  return async (topology) => {
    // Never a guess: the backup's own topology, or no comparison.
    const monitor = hub.get(topology);
    if (!monitor) return { error: `the backup's topology "${topology}" is no longer watched: no live comparison` };
    const view = rootMaster(monitor);
    if (!view) return { error: `topology "${monitor.name}" has no reachable master` };
    const redis = createConnection({ ...connectOptionsFor(monitor.config, view), connectionName: "replscope-restore-drill" });
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      return { error: `${view.id}: ${describeRedisError(connectionError(redis, err))}` };
    }
    return { node: view.id, redis };
  };
}
