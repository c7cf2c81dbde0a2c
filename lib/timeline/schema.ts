// Runtime shape of a stored timeline event: whatever is read back from disk passes through here,
// so a corrupted or hand-edited segment can never put a malformed event in front of the UI.
// Unknown keys are stripped rather than rejected, so a newer writer's extra fields don't lose events.
import { z } from "zod";
import type { NodeEventKind, Severity, TimelineEvent } from "./types";

/** The fixed kinds; log:* and alert:* are open families matched by prefix below. */
export const EVENT_KINDS = [
  "node:discovered",
  "node:down",
  "node:up",
  "node:role-changed",
  "node:restarted",
  "node:forgotten",
  "replica:master-changed",
  "replica:link-down",
  "replica:link-up",
  "replica:attached",
  "replica:detached",
  "replica:readonly-changed",
  "sync:started",
  "sync:finished",
  "sync:full-resync",
  "sync:partial-resync",
  "master:replid-changed",
  "master:failover-state",
] as const satisfies readonly NodeEventKind[];

const KindSchema = z.union([
  z.enum(EVENT_KINDS),
  z.templateLiteral(["log:", z.string()]),
  z.templateLiteral(["alert:", z.string()]),
  z.templateLiteral(["sentinel:", z.string()]),
  z.templateLiteral(["drill:", z.string()]),
  z.templateLiteral(["cluster:", z.string()]),
]);

// Fails to compile when a kind is added to NodeEventKind but not above; otherwise events of the
// new kind would be written fine and then silently dropped on the next restart.
type MissingKinds = Exclude<NodeEventKind, z.infer<typeof KindSchema>>;
const _allKindsListed: MissingKinds extends never ? true : MissingKinds = true;

const SEVERITIES = ["info", "warning", "critical"] as const satisfies readonly Severity[];

export const TimelineEventSchema = z.object({
  id: z.number().int().positive(),
  at: z.number(),
  topology: z.string(),
  kind: KindSchema,
  node: z.string(),
  severity: z.enum(SEVERITIES),
  text: z.string(),
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

/** One JSON line -> event, or null for anything that is not a well-formed event. */
export function parseEventLine(line: string): TimelineEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  const r = TimelineEventSchema.safeParse(raw);
  return r.success ? r.data : null;
}
