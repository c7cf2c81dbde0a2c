import { drillFor } from "@/lib/http/drills-request";
import { DrillParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({ params: DrillParams }, ({ rt, params: { id } }) => drillFor(rt, id));
