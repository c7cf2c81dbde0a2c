// Which Host headers replscope answers. Pure. A page on evil.example whose DNS name is rebound to
// 127.0.0.1 reaches the dashboard as same-origin, but its requests still say `Host: evil.example`:
// answering only the names replscope is configured under closes that door.

export interface HostSettings {
  /** HOST: the listen address. */
  host: string;
  /** The port actually listened on. */
  port: number;
  /** REPLSCOPE_PUBLIC_URL: when set, the only name answered (behind a proxy, or a DNS name). */
  publicUrl?: string;
}

/** Listen addresses that are not names anyone browses to. */
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Every Host header value answered, lowercased: `name:port`, and bare `name` on a default port. */
export function allowedHosts(s: HostSettings): Set<string> {
  const out = new Set<string>();
  if (s.publicUrl) {
    const u = new URL(s.publicUrl);
    const name = u.hostname.toLowerCase();
    if (u.port) return out.add(`${name}:${u.port}`);
    out.add(name);
    out.add(`${name}:${u.protocol === "https:" ? "443" : "80"}`);
    return out;
  }
  const names = [s.host, "localhost", "127.0.0.1", "::1"].filter((n) => !WILDCARDS.has(n)).map((n) => bracketed(n.toLowerCase()));
  for (const name of names) {
    out.add(`${name}:${s.port}`);
    if (s.port === 80) out.add(name);
  }
  return out;
}

/** The check itself: an exact match, no parsing (so no normalisation an attacker could steer). */
export function hostAllowed(allowed: Set<string>, hostHeader: string | undefined): boolean {
  return hostHeader !== undefined && allowed.has(hostHeader.toLowerCase());
}
