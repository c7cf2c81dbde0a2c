// zod issues in the words an API caller needs to fix the request.
import type { z } from "zod";

/** First issue as "field: message", which is what an operator needs to fix the request. */
export function issueMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request";
  const where = issue.path.join(".");
  return where && !issue.message.startsWith(where) ? `${where}: ${issue.message}` : issue.message;
}
