import { z } from "zod";
import { keyOnEveryNode } from "@/lib/keys/side-by-side";
import { Db, issueMessage, keyErrorResponse, KeyToken, queryOf, Topology } from "@/lib/http/keys-request";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { valuesHidden } from "@/lib/http/operator";
import type { MonitorHub } from "@/lib/monitor/hub";

export const dynamic = "force-dynamic";

const Query = z.object({ topology: Topology, key: KeyToken, db: Db });

function pickTopology(hub: MonitorHub, name: string | undefined) {
  return name === undefined ? hub.monitors.values().next().value : hub.get(name);
}

export function GET(req: Request): Promise<Response> {
  return withRuntime(async (rt) => {
    const { hub } = rt;
    const q = Query.safeParse(queryOf(req));
    if (!q.success) return errorJson(400, issueMessage(q.error));
    const monitor = pickTopology(hub, q.data.topology);
    if (!monitor) return errorJson(404, q.data.topology ? `no topology "${q.data.topology}"` : "no topology is configured");
    try {
      const result = await keyOnEveryNode(monitor, q.data.key, q.data.db);
      const hide = valuesHidden(req, rt);
      // The API shape from the issue, plus the full per-node details the UI renders.
      return json({
        ...result,
        nodes: result.nodes.map((n) => ({ ...n, lagBytes: n.behindBytes, ...(hide ? { details: n.details ? { ...n.details, value: null } : null, valueHidden: true } : {}) })),
      });
    } catch (err) {
      return keyErrorResponse(err);
    }
  });
}
