// Log tail throughput: a writer appends Redis-style lines at a fixed rate while a child process tails
// the file with tailFile(). Prints figures only; it never fails on time.
//   npx tsx bench/logs.ts [--seconds 30] [--rate 10000] [--classify]
// --classify also parses and classifies every line in the tailer, as the app does.
import { fork } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createClassifier } from "../lib/logs/classify";
import { parseLogLine } from "../lib/logs/parse";
import { tailFile } from "../lib/logs/tail";

interface TailerReport {
  type: "ready" | "stats";
  received: number;
  gaps: number;
  duplicates: number;
  cpuMs: number;
  rss: number;
  peakRss: number;
}

type ParentMessage = { type: "stats" } | { type: "exit" };

const SEQ_RE = / seq=(\d+) /;

const USAGE = "npm run bench:logs [-- --seconds 30 --rate 10000 --classify]";

/** The command line (util.parseArgs); `--tailer <file>` is how main() starts the child. */
function options(): { seconds: number; rate: number; classify: boolean; tailer: string | undefined } {
  const positive = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number, got "${raw}"`);
    return v;
  };
  try {
    const { values } = parseArgs({
      options: { seconds: { type: "string" }, rate: { type: "string" }, classify: { type: "boolean", default: false }, tailer: { type: "string" } },
      strict: true,
      allowPositionals: false,
    });
    return { seconds: positive("seconds", values.seconds, 30), rate: positive("rate", values.rate, 10_000), classify: values.classify, tailer: values.tailer };
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\nusage: ${USAGE}`);
    process.exit(2);
  }
}

/** Child: tails the file, checks every line arrives once and in order, reports on request. */
function runTailer(file: string, classify: boolean): void {
  const classifier = createClassifier();
  let received = 0;
  let next = 0;
  let gaps = 0;
  let duplicates = 0;
  let peakRss = 0;
  const cpuAtStart = process.cpuUsage();
  const report = (type: TailerReport["type"]) => {
    const cpu = process.cpuUsage(cpuAtStart);
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    const msg: TailerReport = { type, received, gaps, duplicates, cpuMs: (cpu.user + cpu.system) / 1000, rss, peakRss };
    process.send?.(msg);
  };
  const sampleRss = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    rssTimer = setTimeout(sampleRss, 250);
  };
  let rssTimer = setTimeout(sampleRss, 250);
  const stop = tailFile(file, {
    fromLastLines: 0,
    onLines: (lines) => {
      for (const line of lines) {
        received++;
        if (classify) classifier(parseLogLine(line));
        const seq = Number(SEQ_RE.exec(line)?.[1] ?? -1);
        if (seq < next) duplicates++;
        else if (seq > next) gaps += seq - next;
        next = Math.max(next, seq + 1);
      }
    },
    onState: (s) => {
      if (s.status === "readable") report("ready");
      else console.error(`tailer: ${s.reason}`);
    },
    onError: (e) => console.error(`tailer error: ${e.message}`),
  });
  process.on("message", (m: ParentMessage) => {
    if (m.type === "stats") report("stats");
    if (m.type === "exit") {
      clearTimeout(rssTimer);
      void stop().then(() => process.disconnect());
    }
  });
}

async function main(seconds: number, rate: number, classify: boolean): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "replscope-bench-logs-"));
  const file = path.join(dir, "redis.log");
  const fd = openSync(file, "a");
  const child = fork(__filename, ["--tailer", file, ...(classify ? ["--classify"] : [])], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const nextReport = () => new Promise<TailerReport>((resolve) => child.once("message", (m: TailerReport) => resolve(m)));
  const ask = async () => {
    const reply = nextReport();
    child.send({ type: "stats" } satisfies ParentMessage);
    return reply;
  };

  try {
    await nextReport(); // readable
    const before = await ask();
    let written = 0;
    let bytes = 0;
    const started = Date.now();
    const parentCpu = process.cpuUsage();
    const pid = process.pid;
    // Self-scheduling 10 ms ticks, each catching up to rate * elapsed, so timer jitter doesn't lower the rate.
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = Date.now() - started;
        const due = Math.min(Math.floor((elapsed / 1000) * rate), seconds * rate);
        if (due > written) {
          const stamp = redisTimestamp(new Date());
          let chunk = "";
          for (; written < due; written++) {
            chunk += `${pid}:M ${stamp} * Synthetic bench line seq=${written} Replica 127.0.0.1:7002 asks for synchronization\n`;
          }
          bytes += writeSync(fd, chunk);
        }
        if (elapsed >= seconds * 1000) resolve();
        else setTimeout(tick, 10);
      };
      tick();
    });
    const wallMs = Date.now() - started;
    const writerCpu = process.cpuUsage(parentCpu);
    const atEnd = await ask();

    const drainStart = Date.now();
    let drained = atEnd;
    while (drained.received < written && Date.now() - drainStart < 5000) {
      await new Promise((r) => setTimeout(r, 50));
      drained = await ask();
    }
    const drainMs = Date.now() - drainStart;

    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    const tailCpuMs = atEnd.cpuMs - before.cpuMs;
    const rows: Array<[string, string]> = [
      ["duration", `${(wallMs / 1000).toFixed(1)} s at ${rate} lines/s target`],
      ["lines written", `${written} (${mb(bytes)}, ${Math.round(written / (wallMs / 1000))} lines/s actual)`],
      ["lines received", `${atEnd.received} when the writer stopped, ${drained.received} after ${drainMs} ms`],
      ["lines behind at end", `${written - atEnd.received} (after drain: ${written - drained.received})`],
      ["gaps / duplicates", `${drained.gaps} / ${drained.duplicates}`],
      ["tailer CPU", `${((tailCpuMs / wallMs) * 100).toFixed(1)} % of one core${classify ? " (parsing + classifying every line)" : ""}`],
      ["tailer RSS", `${mb(before.rss)} at start, ${mb(atEnd.rss)} at end, ${mb(drained.peakRss)} peak`],
      ["writer CPU", `${(((writerCpu.user + writerCpu.system) / 1000 / wallMs) * 100).toFixed(1)} % of one core (not the tail)`],
      ["machine", `${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}, node ${process.version}`],
    ];
    for (const [k, v] of rows) console.log(`${k.padEnd(20)} ${v}`);
  } finally {
    child.send({ type: "exit" } satisfies ParentMessage);
    await new Promise((r) => child.once("exit", r));
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

function redisTimestamp(d: Date): string {
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getMonth()];
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getDate())} ${mon} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

const opts = options();
if (opts.tailer !== undefined) {
  runTailer(opts.tailer, opts.classify);
} else {
  main(opts.seconds, opts.rate, opts.classify).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
