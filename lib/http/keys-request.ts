// Shared input shapes and node lookup for the key browser, fluentd and compare routes, so every
// route answers a bad parameter with the same 400 and an unknown or down node the same way.
import { z } from "zod";
import { validateGlob } from "../keys/glob";
import { findTarget, notFoundMessage, type NodeTarget } from "../keys/node-target";
import type { MonitorHub } from "../monitor/hub";
import { HttpError } from "./errors";

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
/** A SCAN cursor as Redis returns it. */
export const ScanCursor = z.string().regex(/^\d{1,20}$/, "cursor must be a decimal SCAN cursor (start with 0)").default("0");

/** A node (id already decoded and shape-checked) in a monitored topology: 404 if none, 503 if down. */
export function resolveNode(hub: MonitorHub, id: string, topology: string | undefined): NodeTarget {
  const target = findTarget(hub, id, topology);
  if (!target) throw new HttpError(404, notFoundMessage(id, topology));
  if (target.view.status === "down") throw new HttpError(503, `node ${target.view.id} is down: ${target.view.lastError ?? "no answer"}`);
  return target;
}
