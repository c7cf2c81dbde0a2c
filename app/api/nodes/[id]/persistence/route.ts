import { z } from "zod";
import { missingError } from "@/lib/http/missing";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";
import { persistenceReport, type PersistenceReport } from "@/lib/persistence/of-state";

export const dynamic = "force-dynamic";

const Query = z.object({ topology: z.string().max(64).optional() });

// From what the monitor already polls (full INFO with persistence, CONFIG save/appendonly): no
// command is sent to the node here.
export const GET = route({ params: NodeParams, query: Query }, ({ rt, params: { id }, query }): PersistenceReport & { now: number; ageMs: number | null } => {
  const found = rt.hub.findNode(id, query.topology);
  if (!found) throw missingError(rt, { topology: query.topology, node: id });
  const m = found.monitor;
  const now = Date.now();
  const report = persistenceReport(m.state(found.view.id), found.view, { topology: m.name, infoMs: m.config.infoMs, noSaveSeconds: m.noSaveSeconds() }, now);
  return { ...report, now, ageMs: report.sampledAt === null ? null : Math.max(0, now - report.sampledAt) };
});
