// Operator actions: the role check and the audit entry in one place, so no mutating route can
// forget either. The entry is written (and fsynced) before the answer goes out.
import type { Runtime } from "../runtime";
import { requester } from "./auth";
import { errorJson } from "./respond";

export interface ActionInfo {
  action: string;
  topology: string | null;
  nodes: string[];
  params?: Record<string, unknown>;
}

export async function operatorAction(req: Request, rt: Runtime, info: ActionInfo, run: () => Promise<Response>): Promise<Response> {
  const who = requester(req);
  const base = { at: Date.now(), user: who.user, role: who.role, ...info, topology: info.topology ?? null };
  if (who.role !== "operator") {
    rt.audit.append({ ...base, result: "denied" });
    return errorJson(403, "this action needs the operator role");
  }
  const res = await run();
  let error: string | undefined;
  if (!res.ok) {
    const body = (await res.clone().json().catch(() => ({}))) as { error?: string };
    error = body.error ?? `HTTP ${res.status}`;
  }
  rt.audit.append({ ...base, at: Date.now(), result: res.ok ? "ok" : "error", ...(error ? { error } : {}) });
  return res;
}

/** Viewers may be configured not to see key values (viewerValues: false). */
export function valuesHidden(req: Request, rt: Runtime): boolean {
  return requester(req).role !== "operator" && !rt.config.viewerValues;
}
