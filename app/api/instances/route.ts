// Which instance owns which topology (several instances), or this one alone. Viewers may read it:
// it holds ids, address labels, topology names and lease figures, never a credential.
import { readInstances, redisTarget, singleAnswer, urlSecrets } from "@/lib/fleet/instances";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({}, async ({ rt }) => {
  const { fleet, config } = rt;
  if (!fleet) {
    return singleAnswer({ id: config.instanceId ?? null, startedAt: rt.startedAt, topologies: config.topologies.map((t) => t.name) }, Date.now());
  }
  return readInstances(fleet, redisTarget(fleet.redis.options), urlSecrets(config.coordinationUrl));
});
