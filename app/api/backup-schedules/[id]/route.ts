import { backups, ScheduleParams, SchedulePatch } from "@/lib/http/backups-request";
import { HttpError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const PATCH = route(
  { params: ScheduleParams, body: SchedulePatch, action: ({ params: { id }, body }) => ({ action: "backup:schedule-update", topology: null, nodes: [], params: { id, ...body } }) },
  async ({ rt, params: { id }, body }) => {
    const s = await backups(rt).updateSchedule(id, body);
    if (!s) throw new HttpError(404, `no backup schedule ${id}`);
    return s;
  },
);

/** Removes the schedule; the backups it made stay in the catalogue. */
export const DELETE = route(
  { params: ScheduleParams, action: ({ params: { id } }) => ({ action: "backup:schedule-delete", topology: null, nodes: [], params: { id } }) },
  async ({ rt, params: { id } }) => {
    if (!(await backups(rt).removeSchedule(id))) throw new HttpError(404, `no backup schedule ${id}`);
    return { id, deleted: true };
  },
);
