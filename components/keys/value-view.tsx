"use client";
import type { KeyValue, ValuePart } from "@/lib/keys/value";
import { formatBytes } from "@/lib/format";
import { isEscaped, tokenText } from "./token-text";

function Part({ part }: { part: ValuePart }) {
  return (
    <span className={`whitespace-pre-wrap wrap-anywhere ${isEscaped(part.token) ? "text-amber-200" : ""}`}>
      {tokenText(part.token)}
      {part.fullBytes !== undefined && <span className="ml-1 text-[10px] text-slate-500">… cut, {formatBytes(part.fullBytes)} in full</span>}
    </span>
  );
}

/**
 * `cols`: width and alignment classes per column, so narrow columns (rank, score, stream id) never
 * break mid-word. The table sits in a size container: `@sm:` classes apply when it is wider than 24rem
 * (the main panel), not in a narrow side-by-side column.
 */
function Table({ head, rows, testId, cols = [] }: { head: string[]; rows: React.ReactNode[][]; testId: string; cols?: string[] }) {
  return (
    <div className="@container">
      <table className="w-full table-fixed border-collapse text-xs" data-testid={testId}>
        <thead>
          <tr className="text-left text-[11px] text-slate-400 uppercase">
            {head.map((h, i) => (
              <th key={h} className={`border-b border-slate-800 px-2 py-1 font-medium whitespace-nowrap ${cols[i] ?? ""}`}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="font-mono text-slate-100">
          {rows.map((cells, i) => (
            <tr key={i} className="border-b border-slate-800/50 align-top">
              {cells.map((c, j) => (
                <td key={j} className={`px-2 py-1 ${cols[j] ?? ""}`}>
                  {c}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Hex dump: 16 bytes a line with offsets, the way binary values are usually read. */
function HexDump({ hex, offset }: { hex: string; offset: number }) {
  const lines: string[] = [];
  for (let i = 0; i < hex.length && lines.length < 4096; i += 32) {
    const chunk = hex.slice(i, i + 32);
    const bytes = chunk.match(/../g) ?? [];
    const ascii = bytes.map((b) => { const n = parseInt(b, 16); return n >= 0x20 && n < 0x7f ? String.fromCharCode(n) : "."; }).join("");
    lines.push(`${(offset + i / 2).toString(16).padStart(8, "0")}  ${bytes.join(" ").padEnd(47)}  ${ascii}`);
  }
  return <pre className="overflow-auto font-mono text-xs text-slate-200" data-testid="value-hex">{lines.join("\n")}</pre>;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function ValueView({ value, pretty }: { value: KeyValue; pretty: boolean }) {
  switch (value.type) {
    case "string":
      if (value.format === "binary") return <HexDump hex={value.data} offset={value.offset} />;
      return (
        <pre className="font-mono text-xs break-all whitespace-pre-wrap text-slate-100" data-testid="value-text">
          {value.json && pretty ? prettyJson(value.data) : value.data}
        </pre>
      );
    case "hash":
      return <Table testId="value-hash" head={["field", "value"]} cols={["w-1/3"]} rows={value.entries.map((e) => [<Part key="f" part={e.field} />, <Part key="v" part={e.value} />])} />;
    case "list":
      return <Table testId="value-list" head={["index", "item"]} cols={["w-16"]} rows={value.items.map((p, i) => [<span key="i" className="text-slate-400">{value.offset + i}</span>, <Part key="p" part={p} />])} />;
    case "set":
      return <Table testId="value-set" head={["member"]} rows={value.members.map((p) => [<Part key="m" part={p} />])} />;
    case "zset":
      return <Table testId="value-zset" head={["rank", "member", "score"]} cols={["hidden w-14 truncate @sm:table-cell", "", "w-20 truncate text-right @sm:w-28"]} rows={value.members.map((m, i) => [<span key="r" className="text-slate-400" title={String(value.offset + i)}>{value.offset + i}</span>, <Part key="m" part={m.member} />, <span key="s" className="num" title={String(m.score)}>{m.score}</span>])} />;
    case "stream":
      return (
        <div className="space-y-3">
          {value.groups && value.groups.length === 0 && (value.groupCount ?? 0) > 0 && (
            <p className="text-xs text-slate-400" data-testid="stream-groups-unlisted">
              {value.groupCount} consumer groups: too many to list without an unbounded XINFO GROUPS
            </p>
          )}
          {value.groups && value.groups.length > 0 && (
            <div>
              <h4 className="mb-1 text-[11px] tracking-wide text-slate-400 uppercase">Consumer groups</h4>
              <Table
                testId="stream-groups"
                head={["group", "consumers", "pending", "last delivered", "lag"]}
                cols={["w-24 truncate", "", "w-16 text-right", "w-36 truncate", "w-12 text-right"]}
                rows={value.groups.map((g) => [
                  tokenText(g.name),
                  g.consumerList ? g.consumerList.map((c) => `${tokenText(c.name)} (${c.pending} pending, idle ${Math.round(c.idleMs / 1000)}s)`).join(", ") || "none" : `${g.consumers}`,
                  g.pending,
                  g.lastDeliveredId,
                  g.lag ?? "?",
                ])}
              />
            </div>
          )}
          <Table
            testId="value-stream"
            head={["id", "fields"]}
            cols={["hidden w-36 truncate @sm:table-cell"]}
            rows={value.entries.map((e) => [
              <span key="id" className="text-slate-400" title={e.id}>{e.id}</span>,
              <span key="f" className="block">
                <span className="block truncate text-slate-400 @sm:hidden" title={e.id}>{e.id}</span>
                <span className="flex flex-wrap gap-x-3">
                  {e.fields.map((f, i) => (
                    <span key={i} className="min-w-0">
                      <span className="text-slate-400">{tokenText(f.field.token)}=</span>
                      <Part part={f.value} />
                    </span>
                  ))}
                </span>
              </span>,
            ])}
          />
        </div>
      );
    default:
      return <p className="text-xs text-slate-400">This module type is shown by metadata only.</p>;
  }
}

/** Appends the next page of a value to what is already shown (same type). */
export function mergeValue(a: KeyValue, b: KeyValue): KeyValue {
  if (a.type === "string" && b.type === "string" && a.format === b.format) return { ...a, data: a.data + b.data, bytes: a.bytes + b.bytes, json: false };
  if (a.type === "hash" && b.type === "hash") return { ...a, entries: [...a.entries, ...b.entries] };
  if (a.type === "list" && b.type === "list") return { ...a, items: [...a.items, ...b.items] };
  if (a.type === "set" && b.type === "set") return { ...a, members: [...a.members, ...b.members] };
  if (a.type === "zset" && b.type === "zset") return { ...a, members: [...a.members, ...b.members] };
  if (a.type === "stream" && b.type === "stream") return { ...a, entries: [...a.entries, ...b.entries] };
  return b;
}

export function elementCount(v: KeyValue): number {
  switch (v.type) {
    case "string": return v.bytes;
    case "hash": return v.entries.length;
    case "list": return v.items.length;
    case "set": return v.members.length;
    case "zset": return v.members.length;
    case "stream": return v.entries.length;
    default: return 0;
  }
}
