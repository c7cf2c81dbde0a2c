// The restore plan's input from what a topology's monitor holds: roles, AOF and save points per
// node (from its last full INFO and CONFIG), and the Sentinel master names that watch it. No I/O.
import type { TopologyMonitor } from "../monitor/topology-monitor";
import { parseSavePoints } from "./view";
import type { RestoreTopology } from "./restore-plan";

export function restoreTopologyOf(monitor: TopologyMonitor): RestoreTopology {
  const views = monitor.views();
  const nodes = views.map((v) => {
    const s = monitor.state(v.id);
    const aof = s?.info?.persistence?.aof_enabled;
    const save = s?.nodeConfig?.save;
    return {
      id: v.id,
      role: v.role,
      status: v.status,
      masterId: v.masterId,
      aofEnabled: aof === undefined ? (s?.nodeConfig?.appendonly ?? null) : aof === "1",
      savePoints: save === undefined || save === null ? null : parseSavePoints(save),
      replOffset: v.replOffset,
      replid: v.replid,
    };
  });
  const masterIds = new Set(nodes.filter((n) => n.role === "master").map((n) => n.id));
  const sentinels = monitor.sentinelViews();
  const names = new Set<string>();
  for (const s of sentinels) for (const m of s.masters) if (masterIds.has(m.address)) names.add(m.name);
  if (names.size === 0 && monitor.config.sentinelMaster) names.add(monitor.config.sentinelMaster);
  return { name: monitor.name, nodes, sentinelMasters: [...names].sort(), sentinelCount: Math.max(sentinels.length, monitor.config.sentinels?.length ?? 0) };
}
