// Webhook delivery: a bounded queue drained by one self-scheduling loop, one request at a time,
// so alerts arrive in order and a dead endpoint can neither pile up memory nor flood itself.
import { equalJitterBackoff } from "../retry/backoff";

export interface WebhookOptions {
  url: string;
  /** Per request. Default 5000. */
  timeoutMs?: number;
  /** Queued payloads beyond this drop the oldest (counted). Default 1000. */
  maxQueue?: number;
  /** Extra attempts after the first for 5xx, 408, 429, network errors and timeouts. Default 5. */
  retries?: number;
  /** First retry delay; doubles per attempt, jittered, capped at maxBackoffMs. Default 500. */
  backoffMs?: number;
  /** Default 30000. */
  maxBackoffMs?: number;
  fetchImpl?: typeof fetch;
}

export interface WebhookStats {
  sent: number;
  failed: number;
  dropped: number;
  queued: number;
  retried: number;
  /** Status or error of the last failed attempt, for the settings page. Never includes the URL. */
  lastError: string | null;
}

export interface WebhookSender {
  send(payload: unknown): void;
  stats(): WebhookStats;
  close(): Promise<void>;
}

type Outcome = { kind: "sent" } | { kind: "give-up"; error: string } | { kind: "retry"; error: string; retryAfterMs: number | null };

/** 2xx delivered; 408/429/5xx worth another try; any other answer will not change by retrying. */
export function classifyStatus(status: number): Outcome["kind"] {
  if (status >= 200 && status < 300) return "sent";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "give-up";
}

export function validateWebhookUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError("webhook url is not a valid URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new TypeError(`webhook url must be http or https, not ${u.protocol}`);
  return u;
}

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`webhook ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

export function createWebhookSender(opts: WebhookOptions): WebhookSender {
  const url = validateWebhookUrl(opts.url).href;
  const timeoutMs = positiveInt("timeoutMs", opts.timeoutMs, 5000);
  const maxQueue = positiveInt("maxQueue", opts.maxQueue, 1000);
  const retries = positiveInt("retries", opts.retries, 5, 0);
  const backoffMs = positiveInt("backoffMs", opts.backoffMs, 500);
  const maxBackoffMs = positiveInt("maxBackoffMs", opts.maxBackoffMs, 30_000);
  const doFetch = opts.fetchImpl ?? fetch;

  const queue: string[] = [];
  const s: WebhookStats = { sent: 0, failed: 0, dropped: 0, queued: 0, retried: 0, lastError: null };
  const stop = new AbortController();
  let wake: (() => void) | null = null;

  async function attempt(body: string): Promise<Outcome> {
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "replscope" },
        body,
        // A redirect would turn the POST into a GET; treat it as a misconfigured URL instead.
        redirect: "manual",
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]),
      });
      // Free the connection; the answer's body is of no interest.
      await res.body?.cancel().catch(() => undefined);
      const kind = classifyStatus(res.status);
      if (kind === "sent") return { kind };
      const error = `HTTP ${res.status}`;
      if (kind === "give-up") return { kind, error };
      const ra = Number(res.headers.get("retry-after"));
      return { kind, error, retryAfterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : null };
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      const error = name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : `network error: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
      return { kind: "retry", error, retryAfterMs: null };
    }
  }

  async function deliver(body: string): Promise<void> {
    for (let n = 0; ; n++) {
      const r = await attempt(body);
      if (stop.signal.aborted) {
        queue.unshift(body); // interrupted by close(): still undelivered, still counted as queued
        return;
      }
      if (r.kind === "sent") {
        s.sent++;
        return;
      }
      s.lastError = r.error;
      if (r.kind === "give-up" || n >= retries) {
        s.failed++;
        return;
      }
      s.retried++;
      const delay = Math.max(equalJitterBackoff(n, { baseMs: backoffMs, capMs: maxBackoffMs }), Math.min(r.retryAfterMs ?? 0, maxBackoffMs));
      await sleep(delay, stop.signal);
    }
  }

  async function loop(): Promise<void> {
    while (!stop.signal.aborted) {
      const body = queue.shift();
      if (body === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      await deliver(body);
    }
  }
  const running = loop();

  return {
    send(payload) {
      if (stop.signal.aborted) {
        s.dropped++;
        return;
      }
      queue.push(JSON.stringify(payload) ?? "null");
      if (queue.length > maxQueue) {
        queue.shift();
        s.dropped++;
      }
      wake?.();
    },
    stats: () => ({ ...s, queued: queue.length }),
    async close() {
      stop.abort();
      wake?.();
      await running;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    // A pending retry alone should not keep a finished process alive.
    t.unref();
    signal.addEventListener("abort", done, { once: true });
  });
}
