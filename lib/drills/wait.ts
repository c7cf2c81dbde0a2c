// Waiting inside a drill: every wait has a deadline and ends at once when the drill is aborted.
import type { TopologyMonitor } from "../monitor/topology-monitor";
import type { NodeView } from "../monitor/types";

/** Sleeps, but wakes up (and throws) on abort. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new Error("aborted");
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error("aborted"));
    };
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Polls a condition on the monitor's views until it holds, the deadline passes, or the drill is aborted. */
export async function until(
  what: string,
  ctx: { monitor: TopologyMonitor; signal: AbortSignal },
  ok: (views: NodeView[]) => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok(ctx.monitor.views())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(50, ctx.signal);
  }
}

