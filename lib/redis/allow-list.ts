// Which announced addresses replscope may dial (`discovery.allow`): host names, IPv4/IPv6 addresses
// and CIDR ranges. Pure (net.BlockList is an in-memory matcher, no I/O). Host names match literally,
// case-insensitively: an announced name is never resolved to decide whether it may be dialled.
import { BlockList, isIP } from "node:net";

export type AllowEntry =
  | { kind: "ip"; address: string; family: "ipv4" | "ipv6" }
  | { kind: "cidr"; network: string; prefix: number; family: "ipv4" | "ipv6" }
  | { kind: "host"; name: string };

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

const unbracket = (s: string) => (s.startsWith("[") && s.endsWith("]") ? s.slice(1, -1) : s);
const familyOf = (ip: string): "ipv4" | "ipv6" | null => (isIP(ip) === 4 ? "ipv4" : isIP(ip) === 6 ? "ipv6" : null);

/** One `discovery.allow` entry, or why it is not one. */
export function parseAllowEntry(input: string): AllowEntry | string {
  const s = input.trim();
  const slash = s.indexOf("/");
  if (slash !== -1) {
    const network = unbracket(s.slice(0, slash));
    const bits = s.slice(slash + 1);
    const family = familyOf(network);
    if (!family) return `"${s.slice(0, 64)}": a CIDR range needs an IPv4 or IPv6 address before the "/"`;
    const max = family === "ipv4" ? 32 : 128;
    const prefix = Number(bits);
    if (!/^\d{1,3}$/.test(bits) || prefix > max) return `"${s.slice(0, 64)}": the prefix length must be 0-${max}`;
    return { kind: "cidr", network, prefix, family };
  }
  const ip = unbracket(s);
  const family = familyOf(ip);
  if (family) return { kind: "ip", address: ip, family };
  if (HOST_NAME.test(s)) return { kind: "host", name: s.toLowerCase().replace(/\.$/, "") };
  return `"${s.slice(0, 64)}" is not a host name, an IP address or a CIDR range`;
}

/** A predicate over hosts as INFO reports them (IPv6 without brackets, IPv4-mapped IPv6 included). */
export function createAllowList(entries: readonly AllowEntry[]): (host: string) => boolean {
  const ranges = new BlockList();
  const names = new Set<string>();
  for (const e of entries) {
    if (e.kind === "ip") ranges.addAddress(e.address, e.family);
    else if (e.kind === "cidr") ranges.addSubnet(e.network, e.prefix, e.family);
    else names.add(e.name);
  }
  return (host) => {
    const h = unbracket(host.trim());
    const family = familyOf(h);
    if (family) {
      try {
        return ranges.check(h, family);
      } catch {
        return false; // e.g. a zone id (fe80::1%eth0) BlockList will not parse: not allowed
      }
    }
    return names.has(h.toLowerCase().replace(/\.$/, ""));
  };
}
