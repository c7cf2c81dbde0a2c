// Bounded per-node history kept in memory for the live views: one sample a second for the last
// 10 minutes (the overview's lag sparklines read 5), one a minute (averaged) for an hour. Charts
// further back, and across restarts, come from the store's metric tiers (lib/store/metrics.ts).

export const SERIES = ["replOffset", "lagBytes", "lagSeconds", "opsPerSec", "usedMemory", "writeRate"] as const;
export type SeriesName = (typeof SERIES)[number];
export type Sample = Record<SeriesName, number | null>;
/** Columnar points: t (epoch ms) plus one array per series, null where unknown. */
export type HistoryJson = { t: number[] } & Record<SeriesName, (number | null)[]>;

class Ring {
  private readonly t: Float64Array;
  private readonly cols: Float64Array[];
  private next = 0;
  private size = 0;
  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity);
    this.cols = SERIES.map(() => new Float64Array(capacity));
  }
  push(t: number, s: Sample): void {
    this.t[this.next] = t;
    SERIES.forEach((name, i) => {
      this.cols[i]![this.next] = s[name] ?? Number.NaN;
    });
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }
  toJson(sinceMs: number, out: HistoryJson): void {
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let k = 0; k < this.size; k++) {
      const i = (start + k) % this.capacity;
      const t = this.t[i]!;
      if (t < sinceMs) continue;
      out.t.push(t);
      SERIES.forEach((name, c) => {
        const v = this.cols[c]![i]!;
        out[name].push(Number.isNaN(v) ? null : v);
      });
    }
  }
  lastTime(): number {
    return this.size === 0 ? -Infinity : this.t[(this.next - 1 + this.capacity) % this.capacity]!;
  }
}

function emptyJson(): HistoryJson {
  const out = { t: [] as number[] } as HistoryJson;
  for (const name of SERIES) out[name] = [];
  return out;
}

export class NodeHistory {
  private readonly fine: Ring;
  private readonly coarse: Ring;
  private bucket: { start: number; sums: number[]; counts: number[] } | null = null;

  constructor(fineCapacity = 600, coarseCapacity = 60, private readonly coarseMs = 60_000) {
    this.fine = new Ring(fineCapacity);
    this.coarse = new Ring(coarseCapacity);
  }

  record(t: number, s: Sample): void {
    this.fine.push(t, s);
    const start = Math.floor(t / this.coarseMs) * this.coarseMs;
    if (this.bucket && this.bucket.start !== start) this.flushBucket();
    if (!this.bucket) this.bucket = { start, sums: SERIES.map(() => 0), counts: SERIES.map(() => 0) };
    SERIES.forEach((name, i) => {
      const v = s[name];
      if (v !== null && Number.isFinite(v)) {
        this.bucket!.sums[i]! += v;
        this.bucket!.counts[i]! += 1;
      }
    });
  }

  private flushBucket(): void {
    const b = this.bucket;
    if (!b) return;
    const avg = {} as Sample;
    SERIES.forEach((name, i) => {
      avg[name] = b.counts[i]! > 0 ? b.sums[i]! / b.counts[i]! : null;
    });
    this.coarse.push(b.start, avg);
    this.bucket = null;
  }

  /** Fine points since `sinceMs`; older than the fine window, minute averages. */
  toJson(sinceMs: number): HistoryJson {
    const out = emptyJson();
    const fineOut = emptyJson();
    this.fine.toJson(sinceMs, fineOut);
    const fineStart = fineOut.t[0] ?? Infinity;
    const coarseOut = emptyJson();
    this.coarse.toJson(sinceMs, coarseOut);
    coarseOut.t.forEach((t, i) => {
      if (t + this.coarseMs > fineStart) return;
      out.t.push(t);
      for (const name of SERIES) out[name].push(coarseOut[name][i] ?? null);
    });
    out.t.push(...fineOut.t);
    for (const name of SERIES) out[name].push(...fineOut[name]);
    return out;
  }

  lastTime(): number {
    return this.fine.lastTime();
  }
}
