"use client";
// GET /api/instances every REFRESH_MS, self-scheduled: the next request is planned only once the
// previous one has answered, failed or timed out, so requests never overlap and a slow server is
// asked less often, not more. Also a clock for the ages on screen.
import { useEffect, useReducer, useState } from "react";
import type { InstancesAnswer } from "@/lib/fleet/instances";
import { apiJson } from "@/components/keys/api";
import { INITIAL, instancesReducer, REFRESH_MS, REQUEST_TIMEOUT_MS, type InstancesState } from "./model";

export function useInstances(): InstancesState {
  const [state, dispatch] = useReducer(instancesReducer, INITIAL);
  useEffect(() => {
    const stop = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const started = Date.now();
      const request = new AbortController();
      const onStop = () => request.abort();
      stop.signal.addEventListener("abort", onStop, { once: true });
      const timeout = setTimeout(() => request.abort(), REQUEST_TIMEOUT_MS);
      try {
        const data = await apiJson<InstancesAnswer>("/api/instances", { signal: request.signal, cache: "no-store" });
        if (!stop.signal.aborted) dispatch({ type: "loaded", data, at: Date.now() });
      } catch (err) {
        if (stop.signal.aborted) return;
        const timedOut = request.signal.aborted;
        dispatch({ type: "failed", error: timedOut ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : err instanceof Error ? err.message : String(err) });
      } finally {
        clearTimeout(timeout);
        stop.signal.removeEventListener("abort", onStop);
      }
      if (!stop.signal.aborted) timer = setTimeout(() => void tick(), Math.max(0, REFRESH_MS - (Date.now() - started)));
    };
    void tick();
    return () => {
      stop.abort();
      clearTimeout(timer);
    };
  }, []);
  return state;
}

/** The browser clock, re-read every `everyMs` (self-scheduled), for ages and countdowns. */
export function useNow(everyMs = 500): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const next = () => {
      setNow(Date.now());
      timer = setTimeout(next, everyMs);
    };
    timer = setTimeout(next, everyMs);
    return () => clearTimeout(timer);
  }, [everyMs]);
  return now;
}
