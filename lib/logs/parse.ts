// Parses one line of a Redis log file. Pure: no I/O, never throws.
// Redis writes `<pid>:<role> <DD Mon YYYY HH:MM:SS.mmm> <level> <message>` in the server's local time.

export type LogRole = "master" | "replica" | "child" | "sentinel";
export type LogLevel = "debug" | "verbose" | "notice" | "warning";

export interface RedisLogLine {
  kind: "redis";
  pid: number;
  role: LogRole;
  /** Epoch ms, reading the timestamp as local time the way Redis wrote it. */
  at: number;
  level: LogLevel;
  message: string;
  raw: string;
}

/** Anything else: the startup ASCII art, "signal-handler" lines, pre-3.0 formats, garbage. */
export interface PlainLogLine {
  kind: "plain";
  raw: string;
}

export type LogLine = RedisLogLine | PlainLogLine;

const ROLES: Record<string, LogRole> = { M: "master", S: "replica", C: "child", X: "sentinel" };
const LEVELS: Record<string, LogLevel> = { ".": "debug", "-": "verbose", "*": "notice", "#": "warning" };
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const LINE_RE =
  /^(\d{1,10}):([MSCX]) (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) ([.*#-]) ?(.*)$/;

export function parseLogLine(input: string): LogLine {
  const raw = input.endsWith("\r") ? input.slice(0, -1) : input;
  const m = LINE_RE.exec(raw);
  if (!m) return { kind: "plain", raw };
  const [, pid, roleCode, day, mon, year, hh, mm, ss, ms, levelCode, message] = m;
  const role = ROLES[roleCode ?? ""];
  const level = LEVELS[levelCode ?? ""];
  const month = MONTHS.indexOf(mon ?? "");
  const at = localTime(Number(year), month, Number(day), Number(hh), Number(mm), Number(ss), Number(ms));
  if (!role || !level || at === null) return { kind: "plain", raw };
  return { kind: "redis", pid: Number(pid), role, at, level, message: message ?? "", raw };
}

/** Splits a chunk of log text on newlines; a trailing newline does not make an extra empty line. */
export function parseLogText(text: string): LogLine[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map(parseLogLine);
}

function localTime(y: number, month: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  // Range checks only: a strict round-trip would reject real lines written inside a DST gap.
  if (month < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const t = new Date(y, month, d, h, mi, s, ms).getTime();
  return Number.isFinite(t) ? t : null;
}
