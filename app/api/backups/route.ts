import { backupJson, BackupBody, BackupListQuery, backups } from "@/lib/http/backups-request";
import { HttpError } from "@/lib/http/errors";
import { json } from "@/lib/http/respond";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Newest first, bounded (?limit=, default 200), optionally one topology's. */
export const GET = route({ query: BackupListQuery }, async ({ rt, query }) => ({
  backups: (await backups(rt).list({ topology: query.topology, limit: query.limit })).map(backupJson),
}));

/** "Back up now": 202 with the id; the job runs on (poll GET /api/backups/{id}). */
export const POST = route(
  { body: BackupBody, action: ({ body }) => ({ action: "backup:snapshot", topology: body.topology ?? null, nodes: [body.node] }) },
  async ({ rt, who, body }) => {
    const r = await backups(rt).start({ node: body.node, topology: body.topology, origin: "manual", requestedBy: who.user });
    if ("error" in r) throw new HttpError(r.status, r.error);
    return json({ id: r.id }, 202);
  },
);
