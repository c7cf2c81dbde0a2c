// The one answer for a topology or node a route cannot find here: 404, or 409 when another
// instance polls it (several instances; actions run on the instance that polls a topology).
import type { Runtime } from "../runtime";
import { HttpError } from "./errors";

export function missingError(rt: Runtime, what: { topology?: string; node?: string }): HttpError {
  const poller = what.topology === undefined && what.node !== undefined ? rt.polledElsewhere(undefined, what.node) : null;
  if (poller) {
    return new HttpError(409, `node ${what.node} is polled by replscope instance ${poller}, not this one, and actions on it run there: open replscope on that instance (the instances page shows which)`);
  }
  const m = rt.hub.missing(what);
  return new HttpError(m.status, m.error);
}
