import { restoreDrills, started, VerifyBody } from "@/lib/http/restore-drills-request";
import { route } from "@/lib/http/route";
import { TransferParams } from "@/lib/http/transfer-request";

export const dynamic = "force-dynamic";

/** A restore drill of a logical export (export files are not in the backup catalogue): 202 { id }. */
export const POST = route(
  { params: TransferParams, body: VerifyBody, action: ({ params: { id }, body }) => ({ action: "export:verify", topology: null, nodes: [], params: { id, compareWithLive: body.compareWithLive === true } }) },
  async ({ rt, who, params: { id }, body }) => started(await restoreDrills(rt).startForExport(id, { requestedBy: who.user, compareWithLive: body.compareWithLive })),
);
