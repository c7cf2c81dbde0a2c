// Operator actions: the role check and the audit entry in one place, so no mutating route can
// forget either. The entry is written before the answer goes out.
import type { Runtime } from "../runtime";
import type { Requester } from "./auth";
import { errorResponse, HttpError } from "./errors";

export interface ActionInfo {
  action: string;
  topology: string | null;
  nodes: string[];
  params?: Record<string, unknown>;
}

/** Runs `run` for an operator (403 and a "denied" entry for anyone else); audits the outcome. */
export async function operatorAction(rt: Runtime, who: Requester, info: ActionInfo, run: () => Promise<Response>): Promise<Response> {
  const base = { at: Date.now(), user: who.user, role: who.role, ...info, topology: info.topology ?? null };
  if (who.role !== "operator") {
    rt.audit.append({ ...base, result: "denied" });
    throw new HttpError(403, "this action needs the operator role");
  }
  let res: Response;
  try {
    res = await run();
  } catch (err) {
    // The entry records the words the caller gets.
    res = errorResponse(err);
  }
  let error: string | undefined;
  if (!res.ok) {
    const body = (await res.clone().json().catch(() => ({}))) as { error?: string };
    error = body.error ?? `HTTP ${res.status}`;
  }
  rt.audit.append({ ...base, at: Date.now(), result: res.ok ? "ok" : "error", ...(error ? { error } : {}) });
  return res;
}

/** Viewers may be configured not to see key values (viewerValues: false). */
export function valuesHidden(who: Requester, rt: Runtime): boolean {
  return who.role !== "operator" && !rt.config.viewerValues;
}
