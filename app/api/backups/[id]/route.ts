import { backupJson, BackupParams, backups } from "@/lib/http/backups-request";
import { HttpError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({ params: BackupParams }, async ({ rt, params: { id } }) => {
  const b = await backups(rt).get(id);
  if (!b) throw new HttpError(404, `no backup ${id}`);
  return backupJson(b);
});

/** Deletes the file and the catalogue entry; a running backup is refused (409). */
export const DELETE = route(
  { params: BackupParams, action: ({ params: { id } }) => ({ action: "backup:delete", topology: null, nodes: [], params: { id } }) },
  async ({ rt, params: { id } }) => {
    const r = await backups(rt).remove(id);
    if ("error" in r) throw new HttpError(r.status, r.error);
    return { id, deleted: true };
  },
);
