// Which methods each API route answers, so the server can refuse any other with a 405 JSON (and an
// Allow header) before the request reaches Next, whose own 405 is an empty body. Pure. Patterns
// are written as the app/ folders are, and a unit test checks this table against the exports of
// every app/api/**/route.ts and app/metrics/route.ts.

export const ROUTE_METHODS: Readonly<Record<string, readonly string[]>> = {
  "/api/[...slug]": ["DELETE", "GET", "PATCH", "POST", "PUT"],
  "/api/audit": ["GET"],
  "/api/auth/login": ["POST"],
  "/api/auth/logout": ["POST"],
  "/api/auth/logout-all": ["POST"],
  "/api/auth/me": ["GET"],
  "/api/backup-schedules": ["GET", "POST"],
  "/api/backup-schedules/[id]": ["DELETE", "PATCH"],
  "/api/backups": ["GET", "POST"],
  "/api/backups/[id]": ["DELETE", "GET"],
  "/api/backups/[id]/file": ["GET"],
  "/api/backups/[id]/verify": ["POST"],
  "/api/clusters/[topology]": ["GET"],
  "/api/clusters/[topology]/keys": ["GET"],
  "/api/clusters/[topology]/keys/describe": ["POST"],
  "/api/compare": ["GET", "POST"],
  "/api/compare/[id]": ["DELETE", "GET"],
  "/api/compare/[id]/report.csv": ["GET"],
  "/api/compare/[id]/report.json": ["GET"],
  "/api/drills": ["GET", "POST"],
  "/api/drills/[id]": ["GET"],
  "/api/drills/[id]/abort": ["POST"],
  "/api/drills/[id]/report.md": ["GET"],
  "/api/drills/plan": ["GET"],
  "/api/events": ["GET"],
  "/api/export": ["GET", "POST"],
  "/api/export/[id]": ["GET"],
  "/api/export/[id]/file": ["GET"],
  "/api/export/[id]/verify": ["POST"],
  "/api/fluentd": ["GET"],
  "/api/health": ["GET"],
  "/api/import": ["POST"],
  "/api/import/[id]": ["GET"],
  "/api/instances": ["GET"],
  "/api/keys/compare": ["GET", "POST"],
  "/api/nodes/[id]": ["GET"],
  "/api/nodes/[id]/key": ["DELETE", "GET"],
  "/api/nodes/[id]/key/delete": ["POST"],
  "/api/nodes/[id]/key/read": ["POST"],
  "/api/nodes/[id]/key/ttl": ["POST"],
  "/api/nodes/[id]/keys": ["GET"],
  "/api/nodes/[id]/keys/describe": ["POST"],
  "/api/nodes/[id]/keys/tree": ["GET"],
  "/api/nodes/[id]/logs": ["GET"],
  "/api/nodes/[id]/persistence": ["GET"],
  "/api/restore-drills": ["GET"],
  "/api/restore-drills/[id]": ["GET"],
  "/api/topology": ["GET"],
  "/api/topology/restore-plan": ["GET"],
  "/metrics": ["GET"],
};

/** 0 static, 1 [param], 2 [...catchAll]: a lower kind wins where two patterns match (as in Next). */
type Kind = 0 | 1 | 2;

function kindOf(segment: string): Kind {
  if (segment.startsWith("[...")) return 2;
  return segment.startsWith("[") ? 1 : 0;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The kinds of segments by which `pattern` matches `segments`, or null when it does not. */
function matchKinds(pattern: string, segments: string[]): Kind[] | null {
  const parts = pattern.split("/").filter(Boolean);
  const kinds: Kind[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const kind = kindOf(part);
    kinds.push(kind);
    if (kind === 2) return segments.length > i ? kinds : null;
    const seg = segments[i];
    if (seg === undefined || (kind === 0 && decoded(seg) !== part)) return null;
  }
  return segments.length === parts.length ? kinds : null;
}

function moreSpecific(a: Kind[], b: Kind[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]!;
  }
  return a.length > b.length;
}

/** The route pattern Next would pick for this path, or null (not an API path). */
export function routeFor(pathname: string): string | null {
  const segments = pathname.split("/").filter(Boolean);
  let best: { pattern: string; kinds: Kind[] } | null = null;
  for (const pattern in ROUTE_METHODS) {
    const kinds = matchKinds(pattern, segments);
    if (kinds && (!best || moreSpecific(kinds, best.kinds))) best = { pattern, kinds };
  }
  return best?.pattern ?? null;
}

/** Every method answered, as Next's automatic OPTIONS lists them: HEAD with GET, and OPTIONS. */
export function allowedMethods(pattern: string): string[] {
  const own = ROUTE_METHODS[pattern] ?? [];
  const all = new Set([...own, "OPTIONS", ...(own.includes("GET") ? ["HEAD"] : [])]);
  return [...all].sort();
}

/** The Allow header value when `method` is not answered on `pathname`; null when it is (or not ours). */
export function methodNotAllowed(method: string, pathname: string): string | null {
  const pattern = routeFor(pathname);
  if (pattern === null) return null;
  const allowed = allowedMethods(pattern);
  return allowed.includes(method.toUpperCase()) ? null : allowed.join(", ");
}
