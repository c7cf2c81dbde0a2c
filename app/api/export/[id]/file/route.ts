import { Readable } from "node:stream";
import { HttpError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { TransferParams, transfers } from "@/lib/http/transfer-request";

export const dynamic = "force-dynamic";

/**
 * The finished export file, streamed (also one written before a restart, while it is kept). It
 * holds every value of the exported keys: an operator action, audited.
 */
export const GET = route({ params: TransferParams, action: ({ params }) => ({ action: "export:download", topology: null, nodes: [], params: { id: params.id } }) }, ({ rt, params }) => {
  const file = transfers(rt).openExport(params.id);
  if (!file) throw new HttpError(404, `no finished export file ${params.id}`);
  return new Response(Readable.toWeb(file.stream) as ReadableStream<Uint8Array>, {
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(file.size),
      "Content-Disposition": `attachment; filename="${params.id}.rsd"`,
      "Cache-Control": "no-store",
    },
  });
});
