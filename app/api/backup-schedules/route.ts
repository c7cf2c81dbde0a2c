import { backups, ScheduleBody } from "@/lib/http/backups-request";
import { HttpError } from "@/lib/http/errors";
import { json } from "@/lib/http/respond";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({}, async ({ rt }) => ({ schedules: await backups(rt).listSchedules() }));

export const POST = route(
  { body: ScheduleBody, action: ({ body }) => ({ action: "backup:schedule-create", topology: body.topology, nodes: [], params: { ...body } }) },
  async ({ rt, body }) => {
    const s = await backups(rt).createSchedule(body);
    if ("error" in s) throw new HttpError(s.status, s.error);
    return json(s, 201);
  },
);
