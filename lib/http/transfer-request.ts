// Shared input shapes and lookups of the logical export/import routes.
import { z } from "zod";
import type { TransferJob, TransferManager, TransferTarget } from "../backup/logical/jobs";
import type { Requester } from "./auth";
import { TRANSFER_ID, TransferRefusedError } from "../backup/logical/jobs";
import type { Runtime } from "../runtime";
import { HttpError } from "./errors";
import { NODE_ID } from "./params";
import { resolveNode } from "./keys-request";

export const TransferParams = z.object({ id: z.string().regex(TRANSFER_ID, "must be an export or import job id (16 hex characters)") });
export const NodeId = z.string({ message: "node is required (host:port)" }).regex(NODE_ID, "node must be host:port");

export function transfers(rt: Runtime): TransferManager {
  return rt.transfers;
}

export function transferJob(rt: Runtime, id: string, kind: TransferJob["kind"]): TransferJob {
  const job = transfers(rt).get(id);
  if (!job || job.kind !== kind) throw new HttpError(404, `no ${kind} job ${id}`);
  return job;
}

/** The node as the monitor knows it (never a host:port dialled from the request alone). */
export function transferTarget(rt: Runtime, who: Requester, node: string, topology: string | undefined): TransferTarget {
  const t = resolveNode(rt.hub, node, topology);
  return { node: t.view.id, topology: t.monitor.config.name, conn: t.conn, startedBy: { user: who.user, role: who.role } };
}

/** TransferRefusedError → its HTTP status; anything else passes on. */
export async function refusalsAsHttp<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof TransferRefusedError) throw new HttpError(err.status, err.message);
    throw err;
  }
}
