// Node addresses, in one shape everywhere: `${host}:${port}` with the host as INFO reports it, so an
// IPv6 host appears WITHOUT brackets ("::1:6379"; the port is always after the last colon). Node
// ids, config `nodes` keys, API ids, discovery, Sentinel replies and Sentinel log lines all go
// through formatAddress/splitAddress, so the same server is never two strings, and a bracketed
// host ("[::1]", which no resolver knows) never reaches a connect.

/** A node id: host (name, IPv4, IPv6 with or without brackets) then ":port". */
export const NODE_ID = /^[A-Za-z0-9.:[\]-]{1,300}:\d{1,5}$/;

/** "[::1]" → "::1"; other hosts unchanged. */
export function bareHost(host: string): string {
  return host.length > 2 && host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** The one address formatter: host (bracketed or not) and port → node id. */
export function formatAddress(host: string, port: number | string): string {
  return `${bareHost(host)}:${port}`;
}

/**
 * "host:port" (also "[v6]:port" and "v6:port") → parts, the host without brackets; null when the
 * host is empty or malformed (stray brackets) or the port is not 1..65535.
 */
export function splitAddress(address: string): { host: string; port: number } | null {
  const i = address.lastIndexOf(":");
  if (i <= 0) return null;
  const portText = address.slice(i + 1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) return null;
  const host = bareHost(address.slice(0, i));
  if (host === "" || host.includes("[") || host.includes("]")) return null;
  return { host, port };
}
