// Pure display formatting shared by pages and components.

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  const abs = Math.abs(n);
  if (abs < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  // Compare the rounded value, so 1048575 B reads "1.0 MB", not "1024 KB".
  const shown = (x: number) => Number(x.toFixed(Math.abs(x) < 10 ? 1 : 0));
  while (Math.abs(shown(v)) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${shown(v).toFixed(Math.abs(shown(v)) < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatRate(bytesPerSec: number | null | undefined): string {
  return bytesPerSec === null || bytesPerSec === undefined ? "—" : `${formatBytes(Math.round(bytesPerSec))}/s`;
}

export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US");
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatClock(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return "—";
  return new Date(epochMs).toLocaleTimeString("en-GB", { hour12: false });
}
