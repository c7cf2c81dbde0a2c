import { requester } from "@/lib/http/auth";
import { json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(req: Request): Promise<Response> {
  return withRuntime(({ config }) => {
    const { user, role } = requester(req);
    return json({ user, role, canSeeValues: role === "operator" || config.viewerValues });
  });
}
