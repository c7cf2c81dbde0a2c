// Pure: a strict little reader of the Prometheus text format (0.0.4), used to check what /metrics
// serves. Throws on the first malformed line, naming it.
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
}

export interface Exposition {
  families: Map<string, ParsedFamily>;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/** Like Prometheus (Go's ParseFloat): Inf and NaN in any case; prom-client writes "Nan". */
function parseValue(text: string): number | null {
  const lower = text.toLowerCase();
  if (lower === "+inf" || lower === "inf") return Infinity;
  if (lower === "-inf") return -Infinity;
  if (lower === "nan") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  return Number(text);
}

/** Parses `{a="x",b="y"}` starting at text[i] === "{"; returns the labels and the index after "}". */
function parseLabels(text: string, start: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  let i = start + 1;
  while (i < text.length && text[i] !== "}") {
    const eq = text.indexOf("=", i);
    if (eq < 0) return null;
    const name = text.slice(i, eq);
    if (!LABEL.test(name) || name in labels || text[eq + 1] !== '"') return null;
    let value = "";
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      const c = text[j];
      if (c !== "\\") {
        value += c;
        continue;
      }
      const n = text[++j];
      if (n === "n") value += "\n";
      else if (n === "\\" || n === '"') value += n;
      else return null;
    }
    if (j >= text.length) return null;
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") return null;
  }
  return i < text.length ? { labels, end: i + 1 } : null;
}

/** The family a sample belongs to: histograms and summaries add _bucket/_sum/_count. */
function familyOf(name: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = m?.[1] ? families.get(m[1]) : undefined;
  if (!base || !m) return undefined;
  if (base.type === "histogram") return base;
  if (base.type === "summary" && m[2] !== "bucket") return base;
  return undefined;
}

export function parseExposition(text: string): Exposition {
  const families = new Map<string, ParsedFamily>();
  const pendingHelp = new Map<string, string>();
  const samples: ParsedSample[] = [];
  const seen = new Set<string>();
  const lines = text.split("\n");
  lines.forEach((line, idx) => {
    const fail = (why: string): never => {
      throw new Error(`line ${idx + 1}: ${why}: ${JSON.stringify(line.slice(0, 200))}`);
    };
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, what, name = "", rest = ""] = m;
      if (!NAME.test(name)) fail("bad metric name");
      if (what === "HELP") {
        if (pendingHelp.has(name) || families.has(name)) fail("second HELP");
        pendingHelp.set(name, rest);
      } else {
        if (!TYPES.has(rest)) fail("bad TYPE");
        if (families.has(name)) fail("second TYPE");
        const help = pendingHelp.get(name);
        if (help === undefined) fail("TYPE without HELP before it");
        families.set(name, { name, help: help ?? "", type: rest as ParsedFamily["type"] });
      }
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) fail("no metric name");
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) fail("bad metric name");
    let labels: Record<string, string> = {};
    let rest = line.slice(nameEnd);
    if (rest.startsWith("{")) {
      const parsed = parseLabels(line, nameEnd);
      if (!parsed) fail("bad labels");
      labels = parsed?.labels ?? {};
      rest = line.slice(parsed?.end ?? line.length);
    }
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(" ") || parts.length < 1 || parts.length > 2) fail("expected ' value [timestamp]'");
    const value = parseValue(parts[0] ?? "");
    if (value === null) fail("bad value");
    if (!familyOf(name, families)) fail("sample without HELP/TYPE for its family");
    const key = `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
    if (seen.has(key)) fail("duplicate series");
    seen.add(key);
    samples.push({ name, labels, value: value ?? NaN });
  });
  return { families, samples };
}

/** Samples of one metric whose labels include all of `match`. */
export function select(e: Exposition, name: string, match: Record<string, string> = {}): ParsedSample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}
