// Narrowing of raw RESP replies from callBuffer/pipelines, which ioredis types as unknown.
// A shape we do not expect is a bug (or a proxy in between), so fail loudly rather than guess.

export function asBuffer(reply: unknown, what: string): Buffer {
  if (Buffer.isBuffer(reply)) return reply;
  throw new TypeError(`${what}: expected a bulk string, got ${describe(reply)}`);
}

export function asBuffers(reply: unknown, what: string): Buffer[] {
  if (!Array.isArray(reply)) throw new TypeError(`${what}: expected an array, got ${describe(reply)}`);
  return reply.map((item) => asBuffer(item, what));
}

export function asNumber(reply: unknown, what: string): number {
  if (typeof reply === "number") return reply;
  if (Buffer.isBuffer(reply) || typeof reply === "string") {
    const n = Number(reply.toString());
    if (Number.isFinite(n)) return n;
  }
  throw new TypeError(`${what}: expected an integer, got ${describe(reply)}`);
}

export function asText(reply: unknown, what: string): string {
  if (typeof reply === "string") return reply;
  return asBuffer(reply, what).toString("utf8");
}

/** SCAN/HSCAN/SSCAN/ZSCAN reply: [cursor, items]. */
export function asScanReply(reply: unknown, what: string): { cursor: string; items: Buffer[] } {
  if (!Array.isArray(reply) || reply.length !== 2) throw new TypeError(`${what}: unexpected reply ${describe(reply)}`);
  return { cursor: asText(reply[0], what), items: asBuffers(reply[1], what) };
}

/** Unwrap pipeline/multi results, rethrowing the first per-command error. */
export function unwrapResults(results: [Error | null, unknown][] | null, what: string): unknown[] {
  if (!results) throw new Error(`${what}: transaction aborted`);
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

function describe(reply: unknown): string {
  if (reply === null) return "nil";
  if (Array.isArray(reply)) return `array(${reply.length})`;
  return typeof reply;
}
