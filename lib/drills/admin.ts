// One-off commands a drill sends to a node, each on a short-lived connection with a deadline.
import type { TopologyMonitor } from "../monitor/topology-monitor";
import { createConnection, describeRedisError, withTimeout } from "../redis/connection";

export async function runCommand(m: TopologyMonitor, nodeId: string, args: (string | number)[], timeoutMs = 5000): Promise<unknown> {
  const conn = m.connectOptions(nodeId, timeoutMs);
  if (!conn) throw new Error(`${nodeId} is not part of topology "${m.name}"`);
  const r = createConnection({ ...conn, connectionName: "replscope-drill" });
  try {
    await withTimeout(r.connect(), timeoutMs);
    return await withTimeout(r.call(String(args[0]), ...args.slice(1).map(String)), timeoutMs);
  } catch (err) {
    throw new Error(`${args.join(" ")} on ${nodeId}: ${describeRedisError(err)}`);
  } finally {
    r.disconnect();
  }
}
