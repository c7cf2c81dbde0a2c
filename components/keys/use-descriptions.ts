"use client";
// Type, TTL and size for the rows on screen, asked of POST /keys/describe: debounced (~100 ms, so a
// fast scroll asks once it settles), only for tokens not yet described or in flight, at most 200
// per request, remembered in a bounded cache (the oldest entries go first).
import { useCallback, useEffect, useRef, useState } from "react";
import { apiJson } from "./api";

export type Described = { type: string; ttl: number; length: number | null; memory: number | null } | { missing: true };

type Answer = { keys: ({ key: string; type: string; ttl: number; length: number | null; memory: number | null } | { key: string; missing: true })[] };

const MAX_CACHED = 5000;
const PER_REQUEST = 200;
const DEBOUNCE_MS = 100;

export interface Descriptions {
  get(token: string): Described | undefined;
  /** The tokens now in view; replaces what an earlier call asked for if it has not gone out yet. */
  want(tokens: string[]): void;
  /** Ask again for a token (after a delete or a TTL change): a deleted key then shows as gone. */
  refresh(token: string): void;
}

/** `cluster`: the rows come from every shard; the cluster's describe asks each key's own master. */
export function useDescriptions(scope: { node: string; topology: string; db: number; cluster?: boolean }): Descriptions {
  const { node, topology, db, cluster = false } = scope;
  const cache = useRef(new Map<string, Described>());
  const inflight = useRef(new Set<string>());
  const wanted = useRef<string[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const generation = useRef(0);
  const [, setVersion] = useState(0);

  // Another node or db: nothing cached applies any more, and answers still in flight are ignored.
  useEffect(() => {
    generation.current++;
    cache.current.clear();
    inflight.current.clear();
    return () => clearTimeout(timer.current);
  }, [node, topology, db, cluster]);

  const flush = useCallback(async () => {
    const gen = generation.current;
    const todo = [...new Set(wanted.current)].filter((t) => !cache.current.has(t) && !inflight.current.has(t));
    wanted.current = [];
    for (let i = 0; i < todo.length; i += PER_REQUEST) {
      const batch = todo.slice(i, i + PER_REQUEST);
      for (const t of batch) inflight.current.add(t);
      try {
        const url = cluster ? `/api/clusters/${encodeURIComponent(topology)}/keys/describe` : `/api/nodes/${encodeURIComponent(node)}/keys/describe`;
        const body = await apiJson<Answer>(url, { method: "POST", body: JSON.stringify(cluster ? { keys: batch } : { topology: topology || undefined, db, keys: batch }) });
        if (gen !== generation.current) return;
        for (const d of body.keys) {
          const { key, ...rest } = d;
          cache.current.delete(key);
          cache.current.set(key, rest);
        }
        // Map keeps insertion order: the first entries are the oldest.
        for (const [oldest] of cache.current) {
          if (cache.current.size <= MAX_CACHED) break;
          cache.current.delete(oldest);
        }
        setVersion((v) => v + 1);
      } catch {
        // Placeholders stay; the rows are asked for again when they come back into view.
      } finally {
        if (gen === generation.current) for (const t of batch) inflight.current.delete(t);
      }
    }
  }, [node, topology, db, cluster]);

  const want = useCallback(
    (tokens: string[]) => {
      if (!node || tokens.every((t) => cache.current.has(t) || inflight.current.has(t))) return;
      wanted.current = tokens;
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void flush(), DEBOUNCE_MS);
    },
    [flush, node],
  );

  const get = useCallback((token: string) => cache.current.get(token), []);
  const refresh = useCallback(
    (token: string) => {
      cache.current.delete(token);
      wanted.current = [...wanted.current, token];
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void flush(), DEBOUNCE_MS);
    },
    [flush],
  );
  return { get, want, refresh };
}
