// Rendezvous (highest random weight) hashing: each topology goes to the member with the highest
// weight(member, topology). Every member computes the same answer from the same member list, and a
// join or leave only moves the topologies that go to / came from that member.

/** cyrb53: a fast, well-mixed 53-bit string hash (public domain), exact in a JS number. */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function weight(member: string, topology: string): number {
  // The separator keeps ("ab","c") and ("a","bc") apart.
  return hash53(`${member}\u0000${topology}`);
}

/** The member that should own `topology`, or null when there is no member. Ties go to the smaller id. */
export function ownerOf(topology: string, members: readonly string[]): string | null {
  let best: string | null = null;
  let bestWeight = -1;
  for (const m of members) {
    const w = weight(m, topology);
    if (w > bestWeight || (w === bestWeight && best !== null && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

/** Topology → owning member for every topology (none when `members` is empty). */
export function assign(topologies: readonly string[], members: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of topologies) {
    const owner = ownerOf(t, members);
    if (owner !== null) out.set(t, owner);
  }
  return out;
}

/** The topologies `member` should own. */
export function desiredFor(member: string, topologies: readonly string[], members: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const t of topologies) if (ownerOf(t, members) === member) out.add(t);
  return out;
}
