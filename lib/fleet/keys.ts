// Key names in the coordination Redis. Everything replscope keeps there lives under one prefix so
// an operator can tell it apart from anything else sharing that Redis.
export const FLEET_PREFIX = "replscope:fleet:";

/** Sorted set: member id → the Redis-clock time (ms) its heartbeat expires. */
export const membersKey = (): string => `${FLEET_PREFIX}members`;
/** String (JSON MemberInfo) with PX expiry, rewritten by every heartbeat. */
export const memberKey = (id: string): string => `${FLEET_PREFIX}member:${id}`;
/** Hash {owner, token} with PX expiry: who owns a topology right now. */
export const leaseKey = (topology: string): string => `${FLEET_PREFIX}lease:${topology}`;
/** Counter: the fencing token of the latest acquisition of a topology. */
export const fenceKey = (topology: string): string => `${FLEET_PREFIX}fence:${topology}`;
/** Hash: alert id → "<revision>\n<Alert JSON>", the alerts announced as firing for a topology. */
export const alertsKey = (topology: string): string => `${FLEET_PREFIX}alerts:${topology}`;
/**
 * String with PX expiry: claim `claimId` on the topology's alerts went through. A retried claim
 * whose first attempt timed out on the client but ran on the server finds it and still announces.
 */
export const alertClaimKey = (topology: string, claimId: string): string => `${FLEET_PREFIX}alerts:${topology}:claim:${claimId}`;
