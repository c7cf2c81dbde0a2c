// Several instances: sessions live in the shared store; each instance keeps its in-memory copy
// current by re-reading it every few seconds (a logout or "log out everywhere" on another
// instance ends the session here within SYNC_MS even when the coordination Redis, which announces
// logouts at once, is down).
import type { AuthService } from "./store";

export const SESSION_SYNC_MS = 5_000;

export function startSessionSync(auth: AuthService, everyMs = SESSION_SYNC_MS): () => void {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let failing = false;
  const loop = async (): Promise<void> => {
    try {
      await auth.sync();
      failing = false;
    } catch (err) {
      if (!failing) console.error("replscope: cannot re-read the sessions from the store (retrying)", err instanceof Error ? err.message : err);
      failing = true;
    }
    if (!stopped) timer = setTimeout(() => void loop(), everyMs);
  };
  timer = setTimeout(() => void loop(), everyMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
