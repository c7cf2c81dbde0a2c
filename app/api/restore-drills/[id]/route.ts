import { HttpError } from "@/lib/http/errors";
import { RestoreDrillParams, restoreDrills } from "@/lib/http/restore-drills-request";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({ params: RestoreDrillParams }, async ({ rt, params: { id } }) => {
  const d = await restoreDrills(rt).get(id);
  if (!d) throw new HttpError(404, `no restore drill ${id}`);
  return d;
});
