// How much one command may read from a monitored Redis. Every value read is sized first (STRLEN,
// HLEN, LLEN, SCARD, ZCARD, XLEN, then MEMORY USAGE) and then windowed (GETRANGE, HSCAN/SSCAN with
// COUNT, LRANGE/ZRANGE windows, XRANGE with COUNT) so one reply stays near REPLY_BUDGET_BYTES.
// Pure: the probe that feeds it is lib/redis/sizes.ts.
//
// Server time grows with the bytes a reply copies, not with the element count. Measured with
// SLOWLOG on redis 7.0.15 (2 shared cores): GETRANGE of 1 MiB 2.5 ms, of 4 MiB 14 ms; LRANGE of one
// 48 MiB list element 25 ms, HSCAN returning a 48 MiB hash value 156 ms; HSCAN COUNT 1000 on a
// 2,000,000-field hash 1.2 ms; XRANGE COUNT 1000 0.3 ms; MEMORY USAGE SAMPLES 16: 25 µs.
//
// What Redis does not let us bound: no command reports the size of one list item, set member or
// hash entry without returning it (HSTRLEN needs the field name; HSCAN NOVALUES is 7.4+). So the
// window comes from the *average* element size (MEMORY USAGE / length). When elements are on
// average larger than the budget they are not read at all. A single huge element hidden among many
// small ones (say one 48 MiB item in a list of 10,000 short ones) is still returned whole by the
// window that holds it: MEMORY USAGE is exact for collections of up to EXACT_SIZE_ELEMENTS (then a
// value whose total fits the budget is always safe), sampled above that.

import { formatBytes } from "../format";

/** Most bytes one command should return. */
export const REPLY_BUDGET_BYTES = 256 * 1024;
/**
 * Most elements one command may ask for, whatever their size: HSCAN copies every element it
 * returns, and COUNT 1000 (1.2 ms idle) went over 10 ms on a loaded machine about one call in 200;
 * COUNT 250 stays well under a millisecond.
 */
export const MAX_ELEMENTS_PER_CALL = 256;
/** MEMORY USAGE ... SAMPLES 0 walks every element: exact up to this many elements, sampled above. */
export const EXACT_SIZE_ELEMENTS = 1000;
export const SIZE_SAMPLES = 16;
/** MEMORY USAGE refused or failed: element sizes are unknown, so read this few at a time. */
export const BLIND_ELEMENTS = 16;
/** RESP framing per element ("$N\r\n...\r\n"), and small integers a listpack stores in 1-9 bytes. */
const ELEMENT_OVERHEAD_BYTES = 24;

/** HSCAN/SSCAN return a whole listpack or intset in one reply, whatever COUNT says. */
const SCAN_IGNORES_COUNT = new Set(["listpack", "listpackex", "ziplist", "intset"]);
const SCANNED_TYPES = new Set(["hash", "set"]);

export interface ValueSize {
  type: string;
  /** STRLEN / HLEN / LLEN / SCARD / ZCARD / XLEN; 0 for module types. */
  length: number;
  /** MEMORY USAGE (exact up to EXACT_SIZE_ELEMENTS elements); null for strings or when refused. */
  memory: number | null;
  encoding: string | null;
}

export type ElementPlan = { perCall: number } | { tooLarge: string };

/** Samples for MEMORY USAGE: 0 (all, exact) only where walking every element is cheap. */
export function memorySamples(length: number): number {
  return length <= EXACT_SIZE_ELEMENTS ? 0 : SIZE_SAMPLES;
}

/** Estimated reply bytes per element, from MEMORY USAGE (which also counts the key: an overestimate). */
export function bytesPerElement(size: ValueSize): number | null {
  if (size.memory === null || size.length <= 0) return null;
  return size.memory / size.length + ELEMENT_OVERHEAD_BYTES;
}

/** Elements one collection read may ask for (at most `wanted`), or why none can be read. */
export function planElements(size: ValueSize, wanted: number): ElementPlan {
  const max = Math.min(wanted, MAX_ELEMENTS_PER_CALL);
  const each = bytesPerElement(size);
  if (each === null) return { perCall: Math.max(1, Math.min(max, BLIND_ELEMENTS)) };
  if (SCANNED_TYPES.has(size.type) && size.encoding !== null && SCAN_IGNORES_COUNT.has(size.encoding) && (size.memory ?? 0) > REPLY_BUDGET_BYTES) {
    return { tooLarge: `its ${size.encoding} encoding (${formatBytes(size.memory ?? 0)}) can only be read whole` };
  }
  if (each > REPLY_BUDGET_BYTES) return { tooLarge: `elements average ${formatBytes(Math.round(each))}, over the ${formatBytes(REPLY_BUDGET_BYTES)} one read may return` };
  return { perCall: Math.max(1, Math.min(max, Math.floor(REPLY_BUDGET_BYTES / each))) };
}

/** Estimated reply bytes of reading `count` elements of this value. */
export function estimateBytes(size: ValueSize, count: number): number {
  return Math.ceil((bytesPerElement(size) ?? REPLY_BUDGET_BYTES / BLIND_ELEMENTS) * Math.min(count, size.length));
}
