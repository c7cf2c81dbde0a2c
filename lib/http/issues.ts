// zod issues in the one message format of the API: "<field>: <problem>", and the field by itself,
// so a caller (or the UI) can point at what to fix.
import type { z } from "zod";
import { HttpError } from "./errors";

/** Where the input came from, for the words of an unknown-name refusal. */
export type InputKind = "query" | "body" | "path";

const UNKNOWN: Record<InputKind, string> = { query: "unknown query parameter", body: "unknown field", path: "unknown path parameter" };

/** "field: problem", without repeating the field when the problem already starts with its name. */
export function fieldMessage(field: string, problem: string): string {
  if (!field) return problem;
  const rest = problem.startsWith(`${field} `) ? problem.slice(field.length + 1) : problem;
  return `${field}: ${rest}`;
}

/** The first issue as a 400: unknown names are named as such; others say what the field needs. */
export function issueError(error: z.ZodError, kind: InputKind): HttpError {
  const issue = error.issues[0];
  if (!issue) return new HttpError(400, `invalid ${kind}`);
  const at = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const field = [...at, issue.keys[0] ?? ""].join(".");
    return new HttpError(400, fieldMessage(field, UNKNOWN[kind]), field);
  }
  const field = at.join(".");
  if (!field) return new HttpError(400, issue.message);
  return new HttpError(400, fieldMessage(field, issue.message), field);
}
