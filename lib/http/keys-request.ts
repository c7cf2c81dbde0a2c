// Shared input parsing and error mapping for the key browser and compare routes, so every route
// answers a bad parameter with the same 400 JSON and a Redis refusal with its exact words.
import { z } from "zod";
import { KeyQueryError } from "../redis/errors";
import { validateGlob } from "../keys/glob";
import { findTarget, NODE_ID, notFoundMessage, type NodeTarget } from "../keys/node-target";
import type { MonitorHub } from "../monitor/hub";
import { describeRedisError } from "../redis/connection";
import { errorJson } from "./respond";

export const Topology = z.string().min(1).max(64, "topology name is at most 64 characters").optional();
/** Redis' default is 16 databases; some deployments configure more. Redis rejects a db it lacks. */
export const Db = z.coerce.number({ message: "db must be a number" }).int("db must be an integer").min(0, "db must be 0 or more").max(1023, "db must be at most 1023").default(0);
export const Pattern = z
  .string()
  .max(1024, "pattern is at most 1024 characters")
  .optional()
  .transform((p, ctx) => {
    if (p === undefined || p === "") return undefined;
    const problem = validateGlob(p);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
    return p;
  });
export const KeyToken = z.string({ message: "key is required" }).min(1, "key is required").max(1_000_000, "key is too long (names up to about 700 KB can be carried)");
export const TypeName = z.enum(["string", "hash", "list", "set", "zset", "stream"], { message: "type must be one of string, hash, list, set, zset, stream" }).optional();

export { issueMessage } from "./issues";
/** Bodies are read by the shared bounded reader (Content-Length first, then a byte counter). */
export { readJsonBody } from "./body";

export function queryOf(req: Request): Record<string, string> {
  return Object.fromEntries(new URL(req.url).searchParams);
}

type Resolved = { target: NodeTarget } | { response: Response };

/** Decodes the [id] segment and finds it in a monitored topology (404 otherwise). */
export async function resolveNode(hub: MonitorHub, params: Promise<{ id: string }>, topology: string | undefined): Promise<Resolved> {
  const { id: rawId } = await params;
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    return { response: errorJson(400, "node id is not valid URL encoding") };
  }
  if (!NODE_ID.test(id)) return { response: errorJson(400, "node id must be host:port") };
  const target = findTarget(hub, id, topology);
  if (!target) return { response: errorJson(404, notFoundMessage(id, topology)) };
  if (target.view.status === "down") return { response: errorJson(503, `node ${target.view.id} is down: ${target.view.lastError ?? "no answer"}`) };
  return { target };
}

function replyMessage(err: unknown): string | null {
  if (err instanceof Error && err.name === "ReplyError") return err.message;
  return null;
}

/**
 * Caller mistakes -> 400; Redis refusing (READONLY, NOPERM, WRONGTYPE) -> its exact message with
 * 409/403; the node unreachable or slow -> 502/504. Never a stack trace, never credentials.
 */
export function keyErrorResponse(err: unknown): Response {
  if (err instanceof KeyQueryError) return errorJson(400, err.message);
  const reply = replyMessage(err);
  if (reply !== null) {
    if (/^ERR (DB index is out of range|invalid DB index)/i.test(reply)) return errorJson(400, `db: ${reply}`);
    if (reply.startsWith("NOPERM")) return errorJson(403, reply);
    if (reply.startsWith("READONLY") || reply.startsWith("WRONGTYPE") || reply.startsWith("MISCONF")) return errorJson(409, reply);
    return errorJson(502, reply.slice(0, 500));
  }
  const text = describeRedisError(err);
  if (text.startsWith("timeout")) return errorJson(504, text);
  return errorJson(502, text);
}
