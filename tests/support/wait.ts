// Polling helper for tests: waits for a condition with a deadline. On timeout it says what the last
// check gave — its value, or the error it threw — so a failure explains itself.
import { inspect } from "node:util";

type Outcome<T> = { kind: "none" } | { kind: "value"; value: T } | { kind: "error"; error: unknown } | { kind: "hung"; since: number };

const HUNG = Symbol("hung");

function describe<T>(o: Outcome<T>): string {
  const show = (v: unknown) => inspect(v, { depth: 4, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 300 }).slice(0, 600);
  switch (o.kind) {
    case "none":
      return "the check never ran";
    case "value":
      return `last value: ${show(o.value)}`;
    case "error":
      return `last check threw: ${o.error instanceof Error ? `${o.error.name}: ${o.error.message}` : show(o.error)}`;
    case "hung":
      return `the last check, started ${Date.now() - o.since} ms before, had not returned`;
  }
}

/**
 * Calls `probe` every `everyMs` until `ok(value)` holds, and returns that value. Throws after
 * `timeoutMs` with the last check's value or error (an error thrown by `ok` counts as the check's);
 * a probe still running at the deadline is not waited for.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Outcome<T> = { kind: "none" };
  let checks = 0;
  for (;;) {
    checks++;
    const since = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const hung = new Promise<typeof HUNG>((resolve) => (timer = setTimeout(() => resolve(HUNG), Math.max(0, deadline - since))));
      const value = await Promise.race([Promise.resolve().then(probe), hung]);
      if (value === HUNG) {
        last = { kind: "hung", since };
        break;
      }
      if (ok(value)) return value;
      last = { kind: "value", value };
    } catch (err) {
      last = { kind: "error", error: err };
    } finally {
      clearTimeout(timer);
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await new Promise((r) => setTimeout(r, Math.min(everyMs, left)));
  }
  const cause = last.kind === "error" ? { cause: last.error } : undefined;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${checks} checks); ${describe(last)}`, cause);
}
