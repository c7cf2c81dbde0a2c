// Who is asking, as the server gate established it (the gate strips client-sent identity headers
// and sets these after checking the session or API token). Role checks live in route().
import { CLIENT_IP_HEADER, ROLE_HEADER, USER_HEADER } from "../auth/gate";
import type { Role } from "../auth/store";

export interface Requester {
  user: string;
  role: Role;
  ip: string;
}

export function requester(req: Request): Requester {
  const role = req.headers.get(ROLE_HEADER) === "operator" ? "operator" : "viewer";
  return { user: req.headers.get(USER_HEADER) ?? "anonymous", role, ip: req.headers.get(CLIENT_IP_HEADER) ?? "unknown" };
}
