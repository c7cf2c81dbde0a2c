// Node addresses as the monitor forms them: `${host}:${port}`, the host as INFO reports it (so an
// IPv6 host appears without brackets). One shape for config keys, API ids and discovery.

/** A node id: host (name, IPv4, IPv6 with or without brackets) then ":port". */
export const NODE_ID = /^[A-Za-z0-9.:[\]-]{1,300}:\d{1,5}$/;

/** "host:port" → parts; null when the port is missing or out of range. */
export function splitAddress(address: string): { host: string; port: number } | null {
  const i = address.lastIndexOf(":");
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: address.slice(0, i), port };
}
