import { z } from "zod";
import { boundedBody, IMPORT_MAX_BYTES, declaredLength } from "@/lib/http/body";
import { HttpError } from "@/lib/http/errors";
import { Topology } from "@/lib/http/keys-request";
import { json } from "@/lib/http/respond";
import { route } from "@/lib/http/route";
import { NodeId, refusalsAsHttp, transferTarget, transfers } from "@/lib/http/transfer-request";

export const dynamic = "force-dynamic";

const Query = z.object({
  node: NodeId,
  topology: Topology,
  db: z.coerce.number({ message: "db must be a number" }).int("db must be an integer").min(0, "db must be 0 or more").max(1023, "db must be at most 1023").optional(),
  policy: z.enum(["skip", "replace", "stop"], { message: "must be skip, replace or stop" }),
  allowReplica: z.enum(["true", "false"], { message: "must be true or false" }).optional(),
});

/**
 * The body is the dump file (application/octet-stream), streamed into the importer as it arrives
 * and counted against REPLSCOPE_IMPORT_MAX_BYTES. The answer comes when the file has been read:
 * the job's final report (200), its id included; progress meanwhile is on the socket
 * (transfers:summary, transfer:progress) and GET /api/import/{id}.
 */
export const POST = route(
  {
    query: Query,
    action: ({ query }) => ({ action: "import:start", topology: query.topology ?? null, nodes: [query.node], params: { policy: query.policy, db: query.db ?? null, allowReplica: query.allowReplica === "true" } }),
  },
  async ({ rt, req, who, query }) => {
    if (!(req.headers.get("content-type") ?? "").startsWith("application/octet-stream")) {
      throw new HttpError(415, "send the dump file as the body with Content-Type: application/octet-stream");
    }
    const max = rt.config.importMaxBytes ?? IMPORT_MAX_BYTES;
    const declared = declaredLength(req.headers.get("content-length"));
    if (Number.isNaN(declared)) throw new HttpError(400, "Content-Length is not a number");
    const target = transferTarget(rt, who, query.node, query.topology);
    // Whether the importer read the body to its end. When it stopped first (a format error, a
    // stop conflict, a refusal) the answer closes the connection: otherwise the server would go
    // on reading (and throwing away) up to REPLSCOPE_IMPORT_MAX_BYTES of upload to keep the
    // socket alive. The body is not cancelled here: cancelling destroys the socket before the
    // answer is written (see readBodyText); Connection: close ends it right after the answer.
    let bodyEnded = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      yield* boundedBody(req.body, max);
      bodyEnded = true;
    }
    let job;
    try {
      job = await refusalsAsHttp(transfers(rt).runImport(target, body(), { policy: query.policy, db: query.db, allowReplica: query.allowReplica === "true", totalBytes: declared }));
    } catch (err) {
      if (err instanceof HttpError && !bodyEnded) throw new HttpError(err.status, err.message, err.field, { ...err.headers, Connection: "close" });
      throw err;
    }
    const res = json(job, 200);
    if (!bodyEnded) res.headers.set("Connection", "close");
    return res;
  },
);
