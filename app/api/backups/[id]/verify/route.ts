import { BackupParams } from "@/lib/http/backups-request";
import { restoreDrills, started, VerifyBody } from "@/lib/http/restore-drills-request";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** A restore drill of a catalogued backup: 202 { id } of the drill (GET /api/restore-drills/{id}). */
export const POST = route(
  { params: BackupParams, body: VerifyBody, action: ({ params: { id }, body }) => ({ action: "backup:verify", topology: null, nodes: [], params: { id, compareWithLive: body.compareWithLive === true } }) },
  async ({ rt, who, params: { id }, body }) => started(await restoreDrills(rt).startForBackup(id, { requestedBy: who.user, compareWithLive: body.compareWithLive })),
);
