import { Readable } from "node:stream";
import { BackupParams, backups } from "@/lib/http/backups-request";
import { HttpError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * The backup's file, streamed (never read whole) from the handle its size was taken from. It holds
 * every value of the node: an operator action, audited.
 */
export const GET = route({ params: BackupParams, action: ({ params: { id } }) => ({ action: "backup:download", topology: null, nodes: [], params: { id } }) }, async ({ rt, params: { id } }) => {
  const f = await backups(rt).openFile(id);
  if (!f) throw new HttpError(404, `backup ${id} has no file`);
  const ext = f.backup.file?.slice(f.backup.file.lastIndexOf(".")) ?? ".rdb";
  const name = `replscope-${f.backup.node.replace(/[^A-Za-z0-9.-]/g, "_")}-${id}${ext}`;
  // autoClose: the handle is closed when the stream ends or the client goes away.
  const body = Readable.toWeb(f.handle.createReadStream({ highWaterMark: 256 * 1024, autoClose: true })) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(f.size),
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "no-store",
      ...(f.backup.sha256 ? { "X-Backup-Sha256": f.backup.sha256 } : {}),
    },
  });
});
