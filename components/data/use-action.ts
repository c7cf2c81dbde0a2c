"use client";
// One operator action at a time per component: `busy` while it runs (buttons disable on it), and
// the error message it ended with, if any. The pages that start jobs (backups, schedules, restore
// drills) all need exactly this; `run` never throws.
import { useCallback, useState } from "react";

export interface Action {
  busy: boolean;
  error: string | null;
  setError: (message: string | null) => void;
  /** Runs `fn`, clearing the last error first; returns whether it succeeded. */
  run: (fn: () => Promise<unknown>) => Promise<boolean>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
