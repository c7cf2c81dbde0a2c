import { RestoreDrillListQuery, restoreDrills } from "@/lib/http/restore-drills-request";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Newest first; ?backup= one backup's (or export's) drills. */
export const GET = route({ query: RestoreDrillListQuery }, async ({ rt, query }) => ({ drills: await restoreDrills(rt).list({ backupId: query.backup, limit: query.limit }) }));
