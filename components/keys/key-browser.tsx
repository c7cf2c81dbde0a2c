"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import type { KeyspaceDb } from "@/lib/redis/info";
import { formatNumber } from "@/lib/format";
import { apiJson, keyPageUrl, type TopologyListing } from "./api";
import { fetchClusterPage, WHOLE_CLUSTER } from "./cluster-listing";
import { KeyPanel } from "./key-panel";
import { KeyList, type ListedKey } from "./key-rows";
import { KeyTree } from "./key-tree";
import { useDescriptions } from "./use-descriptions";

interface Listing {
  cursor: string;
  keys: ListedKey[];
  scanned: number;
  dbsize: number;
  dbs: KeyspaceDb[];
  /** Whole-cluster mode: shards this page could not read (shown, so the list is not taken as complete). */
  notRead?: string[];
  shardCount?: number;
}

/** The browser keeps at most this many rows; more would only cost memory, nobody scrolls that far. */
const MAX_ROWS = 200_000;
const TYPES = ["", "string", "hash", "list", "set", "zset", "stream"];

export interface KeyBrowserProps {
  node?: string;
  topology?: string;
  db?: number;
  keyToken?: string;
  match?: string;
}

export function KeyBrowser(props: KeyBrowserProps) {
  const router = useRouter();
  const [topologies, setTopologies] = useState<TopologyListing["topologies"]>([]);
  const [topology, setTopology] = useState(props.topology ?? "");
  const [node, setNode] = useState(props.node ?? "");
  const [db, setDb] = useState(props.db ?? 0);
  const [matchInput, setMatchInput] = useState(props.match ?? "");
  const [match, setMatch] = useState(props.match ?? "");
  /** Bumped by every Scan: pressing it again rescans even when the pattern did not change. */
  const [scanRequest, setScanRequest] = useState(0);
  const [type, setType] = useState("");
  const [mode, setMode] = useState<"list" | "tree">("list");
  const [separator, setSeparator] = useState(":");
  const [keys, setKeys] = useState<ListedKey[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [scanned, setScanned] = useState(0);
  const [dbsize, setDbsize] = useState<number | null>(null);
  const [dbs, setDbs] = useState<KeyspaceDb[]>([]);
  const [loading, setLoading] = useState(false);
  const [bulk, setBulk] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(props.keyToken ?? null);
  const generation = useRef(0);
  const stopBulk = useRef(false);
  const [notRead, setNotRead] = useState<string[]>([]);
  const [shardCount, setShardCount] = useState(0);
  const cluster = node === WHOLE_CLUSTER;
  const initialTopology = useRef(props.topology);
  const descriptions = useDescriptions({ node, topology, db, cluster });

  useEffect(() => {
    void (async () => {
      try {
        const t = await apiJson<TopologyListing>("/api/topology");
        setTopologies(t.topologies);
        const first = t.topologies[0];
        if (!first) return;
        setTopology((cur) => cur || first.name);
        // Opened without a node: a cluster starts in whole-cluster mode, a replication topology on its master.
        const chosen = t.topologies.find((x) => x.name === (initialTopology.current ?? first.name)) ?? first;
        const master = chosen.nodes.find((n) => n.role === "master" && n.status === "up") ?? chosen.nodes[0];
        setNode((cur) => cur || (chosen.cluster ? WHOLE_CLUSTER : master?.id) || "");
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    })();
  }, []);

  const nodes = topologies.find((t) => t.name === topology)?.nodes ?? [];
  const isCluster = topologies.find((t) => t.name === topology)?.cluster === true;

  const fetchPage = useCallback(
    async (from: string, count: number): Promise<Listing> => {
      if (cluster) {
        const page = await fetchClusterPage(topology, from, count, match, type);
        return { cursor: page.cursor, keys: page.keys, scanned: page.scanned, dbsize: page.dbsize, dbs: [], notRead: page.notRead, shardCount: page.shards.length };
      }
      const q = new URLSearchParams({ cursor: from, count: String(count), db: String(db), topology });
      if (match) q.set("match", match);
      if (type) q.set("type", type);
      return apiJson<Listing>(`/api/nodes/${encodeURIComponent(node)}/keys?${q}`);
    },
    [node, topology, db, match, type, cluster],
  );

  // A new node, db or filter, or another press of Scan, starts a fresh scan; older answers still
  // in flight are ignored.
  useEffect(() => {
    if (!node || !topology) return;
    const gen = ++generation.current;
    stopBulk.current = true;
    void (async () => {
      setLoading(true);
      setKeys([]);
      setCursor(null);
      setScanned(0);
      setNotRead([]);
      try {
        // A sparse pattern can match nothing in the first 10,000 keys: take a few more bounded
        // steps before showing an empty list, so "no matches" rarely needs a manual "scan more".
        let page = await fetchPage("0", 500);
        let found = page.keys;
        let scannedSoFar = page.scanned;
        const skipped = new Set(page.notRead ?? []);
        for (let step = 1; step < 5 && found.length < 100 && page.cursor !== "0"; step++) {
          if (gen !== generation.current) return;
          page = await fetchPage(page.cursor, 500);
          found = [...found, ...page.keys];
          scannedSoFar += page.scanned;
          for (const n of page.notRead ?? []) skipped.add(n);
        }
        if (gen !== generation.current) return;
        setKeys(found);
        setCursor(page.cursor);
        setScanned(scannedSoFar);
        setDbsize(page.dbsize);
        setDbs(page.dbs);
        setNotRead([...skipped]);
        setShardCount(page.shardCount ?? 0);
        setError(null);
      } catch (err) {
        if (gen === generation.current) setError(err instanceof Error ? err.message : String(err));
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    })();
  }, [fetchPage, node, topology, scanRequest]);

  useEffect(() => {
    router.replace(keyPageUrl({ node, topology, db, key: selected }), { scroll: false });
  }, [router, node, topology, db, selected]);

  const more = async (untilRows: number) => {
    const gen = generation.current;
    let from = cursor;
    let total = keys.length;
    setLoading(true);
    stopBulk.current = false;
    try {
      while (from && from !== "0" && total < Math.min(untilRows, MAX_ROWS) && !stopBulk.current) {
        const page = await fetchPage(from, 1000);
        if (gen !== generation.current) return;
        total += page.keys.length;
        setKeys((prev) => (prev.length + page.keys.length > MAX_ROWS ? prev : [...prev, ...page.keys]));
        setScanned((s) => s + page.scanned);
        setDbsize(page.dbsize);
        if (page.notRead?.length) setNotRead((prev) => [...new Set([...prev, ...(page.notRead ?? [])])]);
        setCursor(page.cursor);
        from = page.cursor;
      }
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      if (gen === generation.current) {
        setLoading(false);
        setBulk(false);
      }
    }
  };

  const done = cursor === "0";
  // The folder view walks one node; the whole cluster is listed only.
  const view = cluster ? "list" : mode;
  // Whole-cluster mode opens a key on its shard's master (the side-by-side then shows that shard).
  const panelNode = cluster ? (keys.find((k) => k.key === selected)?.shardMaster ?? "") : node;
  const dbChoices = [...new Set([0, db, ...dbs.map((d) => d.db)])].sort((a, b) => a - b);
  const input = "rounded border border-slate-700 bg-slate-950 px-2 py-1 text-xs text-slate-100";
  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(340px,440px)_1fr]" data-testid="key-browser">
      <section className="flex h-[calc(100vh-120px)] min-h-[480px] flex-col rounded-lg border border-slate-800 bg-slate-900/40">
        <div className="space-y-2 border-b border-slate-800 p-3">
          <div className="flex gap-2">
            <select value={node} onChange={(e) => { setNode(e.target.value); setSelected(null); }} className={`${input} min-w-0 flex-1 font-mono`} data-testid="node-picker" aria-label="node">
              {!node && <option value="">choose a node…</option>}
              {isCluster && <option value={WHOLE_CLUSTER}>whole cluster · every shard&apos;s master</option>}
              {nodes.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.id} · {n.role}{n.readOnly === false ? " · writable" : ""}{n.status === "down" ? " · down" : ""}
                </option>
              ))}
            </select>
            {topologies.length > 1 && (
              <select value={topology} onChange={(e) => { setTopology(e.target.value); setNode(""); }} className={input} aria-label="topology">
                {topologies.map((t) => <option key={t.name} value={t.name}>{t.name}</option>)}
              </select>
            )}
            <select value={db} onChange={(e) => { setDb(Number(e.target.value)); setSelected(null); }} className={input} data-testid="db-picker" aria-label="db">
              {dbChoices.map((d) => (
                <option key={d} value={d}>
                  db{d}{dbs.find((x) => x.db === d) ? ` (${formatNumber(dbs.find((x) => x.db === d)?.keys)})` : ""}
                </option>
              ))}
            </select>
          </div>
          <form className="flex gap-2" onSubmit={(e) => { e.preventDefault(); setMatch(matchInput.trim()); setScanRequest((n) => n + 1); }}>
            <input value={matchInput} onChange={(e) => setMatchInput(e.target.value)} placeholder="pattern, e.g. user:* (no * ? [ = exact key)" className={`${input} min-w-0 flex-1 font-mono`} data-testid="pattern" aria-label="pattern" />
            <select value={type} onChange={(e) => setType(e.target.value)} className={input} data-testid="type-filter" aria-label="type">
              {TYPES.map((t) => <option key={t} value={t}>{t || "any type"}</option>)}
            </select>
            <button type="submit" className="rounded bg-sky-600 px-2 py-1 text-xs font-semibold hover:bg-sky-500" data-testid="scan">Scan</button>
          </form>
          <div className="flex items-center justify-between gap-2 text-[11px] text-slate-400">
            {view === "list" ? (
              <span className="num" data-testid="scan-progress">
                {formatNumber(keys.length)} keys · scanned {formatNumber(scanned)} of ~{formatNumber(dbsize)}
                {cluster ? ` · ${shardCount} shards` : ""}
                {done ? (notRead.length > 0 ? " · end (shards not read)" : " · complete") : ""}
              </span>
            ) : (
              <span className="min-w-0 truncate" title="The tree counts every key below each folder; the pattern applies to the list view.">
                folders by separator{type ? ` · ${type} keys only` : ""}
              </span>
            )}
            <span className="flex items-center gap-2">
              {!cluster && <button type="button" onClick={() => setMode(mode === "list" ? "tree" : "list")} className="whitespace-nowrap rounded border border-slate-700 px-1.5 py-0.5 hover:bg-slate-800" data-testid="view-mode">
                {mode === "list" ? "Tree view" : "List view"}
              </button>}
              {view === "tree" && <input value={separator} onChange={(e) => setSeparator(e.target.value.slice(0, 4))} className={`${input} w-10 py-0.5 text-center font-mono`} aria-label="separator" data-testid="separator" />}
            </span>
          </div>
          <div className={`flex items-center gap-2 text-xs ${view === "tree" ? "hidden" : ""}`}>
            <button type="button" onClick={() => void more(keys.length + 1)} disabled={loading || done || cursor === null} className="rounded border border-slate-600 px-2 py-0.5 text-slate-200 hover:bg-slate-800 disabled:opacity-40" data-testid="scan-more">
              Scan more
            </button>
            {bulk ? (
              <button type="button" onClick={() => { stopBulk.current = true; }} className="rounded border border-amber-500/60 px-2 py-0.5 text-amber-300">Stop</button>
            ) : (
              <button type="button" onClick={() => { setBulk(true); void more(100_000); }} disabled={loading || done || cursor === null} className="rounded border border-slate-600 px-2 py-0.5 text-slate-200 hover:bg-slate-800 disabled:opacity-40" data-testid="scan-bulk">
                Scan up to 100,000
              </button>
            )}
            {loading && <span className="text-slate-400">scanning…</span>}
            <Link href={`/fluentd?node=${encodeURIComponent(node)}&topology=${encodeURIComponent(topology)}&db=${db}`} className="ml-auto text-slate-400 hover:text-slate-200">fluentd records →</Link>
          </div>
          {cluster && notRead.length > 0 && (
            <ul className="rounded border border-amber-500/40 bg-amber-950/30 px-2 py-1 text-xs text-amber-200" data-testid="cluster-not-read">
              {notRead.map((n) => <li key={n}>shard not read: {n}</li>)}
            </ul>
          )}
          {cluster && keys.length > 0 && (
            <div className="flex gap-2 px-2 text-[10px] tracking-wide text-slate-500 uppercase"><span className="flex-1 pl-16">key</span><span className="w-12 text-right">slot</span><span className="w-28">shard master</span><span className="w-32" /></div>
          )}
          {error && <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1 text-xs text-rose-200" data-testid="browse-error">{error}</p>}
        </div>
        <div className="min-h-0 flex-1">
          {view === "tree" ? (
            <KeyTree node={node} topology={topology} db={db} type={type} separator={separator} restart={scanRequest} selected={selected} onOpen={(k) => setSelected(k.key)} descriptions={descriptions} />
          ) : keys.length === 0 && !loading ? (
            <p className="p-6 text-center text-xs text-slate-400" data-testid="no-keys">
              {error ? "" : done ? (match || type ? "No key matches this pattern and type." : cluster ? (notRead.length > 0 ? "No keys on the shards that could be read." : "The cluster holds no keys.") : `db${db} is empty on this node.`) : "No matches in this part of the keyspace yet: scan more."}
            </p>
          ) : (
            <KeyList keys={keys} selected={selected} onOpen={(k) => setSelected(k.key)} descriptions={descriptions} />
          )}
        </div>
      </section>
      <section className="min-w-0">
        {selected && cluster && !panelNode ? (
          <div className="flex h-48 items-center justify-center rounded-lg border border-dashed border-slate-800 text-sm text-slate-500">This key is not in the list scanned so far: its shard is unknown.</div>
        ) : selected && panelNode ? (
          <KeyPanel
            key={`${panelNode}|${db}|${selected}`}
            node={panelNode}
            topology={topology}
            db={db}
            keyToken={selected}
            nodes={nodes}
            onDeleted={() => descriptions.refresh(selected)}
          />
        ) : (
          <div className="flex h-48 items-center justify-center rounded-lg border border-dashed border-slate-800 text-sm text-slate-500">
            Pick a key to see its value, TTL and encoding, and the same key on every node.
          </div>
        )}
      </section>
    </div>
  );
}
