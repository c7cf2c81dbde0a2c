// Request shapes of the restore drill routes, and the one place they reach the runner.
import { z } from "zod";
import type { RestoreDrillRunner, StartResult } from "../backup/drill-runner";
import { RESTORE_DRILL_ID } from "../backup/restore-types";
import { BACKUP_ID } from "../backup/types";
import type { Runtime } from "../runtime";
import { HttpError } from "./errors";
import { json } from "./respond";

export const VerifyBody = z.object({
  /** Also compare the restored data with the live master (what changed since the backup). */
  compareWithLive: z.boolean({ message: "compareWithLive must be true or false" }).optional(),
});
export const RestoreDrillParams = z.object({ id: z.string().regex(RESTORE_DRILL_ID, "must be a restore drill id (rd- and 16 hex characters)") });
const BackupOrExportId = z.string().regex(new RegExp(`(?:${BACKUP_ID.source})|(?:^[0-9a-f]{16}$)`), "backup must be a backup id or an export id");
export const RestoreDrillListQuery = z.object({
  backup: BackupOrExportId.optional(),
  limit: z.coerce.number({ message: "limit must be a number" }).int("limit must be an integer").min(1, "limit must be 1..500").max(500, "limit must be 1..500").optional(),
});

export function restoreDrills(rt: Runtime): RestoreDrillRunner {
  return rt.restoreDrills;
}

/** 202 with the drill's id, or the runner's refusal as an HTTP error. */
export function started(r: StartResult): Response {
  if ("error" in r) throw new HttpError(r.status, r.error);
  return json(r, 202);
}
