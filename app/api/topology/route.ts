import { json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return withRuntime(({ hub }) =>
    json({
      topologies: [...hub.monitors.values()].map((m) => ({ name: m.name, drills: m.config.drills, nodes: m.views() })),
      updatedAt: new Date().toISOString(),
    }),
  );
}
