// Shared request-parameter shapes, so every route validates the same way.

/** host:port with a DNS name, IPv4 or bracketed IPv6 host. */
export const NODE_ID = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]{1,253}):\d{1,5}$/;
