// Polling helper for tests: waits for a condition with a deadline, reporting the last value seen.
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 500)}${lastErr ? `; last error: ${String(lastErr)}` : ""}`);
}
