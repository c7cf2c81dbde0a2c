// Follows the log file of every node that has a readable one, keeps the last lines per node in a
// ring for the log pane, and hands newly classified replication events to the monitor.
import { createClassifier, type ReplEvent } from "./classify";
import { guardedOpener, type LogDirsConfig } from "./log-access";
import { resolveLogPath } from "./log-path";
import { parseLogLine, type LogLevel } from "./parse";
import { tailFile, type StopTail } from "./tail";

export interface LogEntry {
  seq: number;
  at: number | null;
  level: LogLevel | null;
  role: string | null;
  message: string;
  /** One-line operator text when the line is a known replication event. */
  event: string | null;
  eventKind: string | null;
}

export type LogSourceState =
  | { status: "pending" }
  | { status: "readable"; path: string }
  | { status: "unreadable"; path: string | null; reason: string };

interface NodeLog {
  state: LogSourceState;
  lines: LogEntry[];
  seq: number;
  stop: StopTail | null;
  key: string;
}

const MAX_LINES = 1000;
const INITIAL_LINES = 200;
/** Lines older than the tail's start are history: shown in the pane, never replayed as events. */
const HISTORY_SLACK_MS = 2000;

export class NodeLogs {
  private readonly nodes = new Map<string, NodeLog>();

  private readonly openLearned: ReturnType<typeof guardedOpener>;

  /** `dirs`: where files a node names may be read (config `logDirs`) and what never is. */
  constructor(
    private readonly onEvent: (node: string, ev: ReplEvent, at: number) => void,
    dirs: LogDirsConfig = {},
  ) {
    this.openLearned = guardedOpener(dirs);
  }

  /** (Re)configures one node's log source; cheap when nothing changed. */
  configure(node: string, o: { host: string; configured?: string; logfile: string | null | undefined; dir: string | null | undefined; configKnown: boolean }): void {
    const where = resolveLogPath(o);
    const key = "path" in where ? `path:${where.path}` : `no:${where.unreadable}`;
    const existing = this.nodes.get(node);
    if (existing?.key === key) return;
    void existing?.stop?.();
    const log: NodeLog = { state: { status: "pending" }, lines: existing?.lines ?? [], seq: existing?.seq ?? 0, stop: null, key };
    this.nodes.set(node, log);
    if (!("path" in where)) {
      log.state = { status: "unreadable", path: null, reason: where.unreadable };
      return;
    }
    const startedAt = Date.now();
    const classify = createClassifier();
    log.stop = tailFile(where.path, {
      fromLastLines: INITIAL_LINES,
      // A path the node reported is checked on every open; the operator's own logFile is not.
      ...(where.trusted ? {} : { openFile: this.openLearned }),
      onState: (s) => {
        log.state = s.status === "readable" ? { status: "readable", path: s.path } : { status: "unreadable", path: s.path, reason: s.reason };
      },
      onLines: (lines) => {
        for (const raw of lines) {
          const parsed = parseLogLine(raw);
          const ev = classify(parsed);
          const at = parsed.kind === "redis" ? parsed.at : null;
          log.lines.push({
            seq: ++log.seq,
            at,
            level: parsed.kind === "redis" ? parsed.level : null,
            role: parsed.kind === "redis" ? parsed.role : null,
            message: parsed.kind === "redis" ? parsed.message : parsed.raw,
            event: ev?.text ?? null,
            eventKind: ev?.kind ?? null,
          });
          if (ev && at !== null && at >= startedAt - HISTORY_SLACK_MS) this.onEvent(node, ev, at);
        }
        if (log.lines.length > MAX_LINES) log.lines.splice(0, log.lines.length - MAX_LINES);
      },
    });
  }

  state(node: string): LogSourceState {
    return this.nodes.get(node)?.state ?? { status: "pending" };
  }

  lines(node: string, afterSeq = 0, limit = 500): LogEntry[] {
    const all = this.nodes.get(node)?.lines ?? [];
    return all.filter((l) => l.seq > afterSeq).slice(-limit);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop?.()));
    this.nodes.clear();
  }

  remove(node: string): void {
    void this.nodes.get(node)?.stop?.();
    this.nodes.delete(node);
  }
}
