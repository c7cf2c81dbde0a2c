// Anything under /api that no route matched: JSON 404, never an HTML page.
export const dynamic = "force-dynamic";

function notFound(req: Request): Response {
  return Response.json({ error: `no such API route: ${req.method} ${new URL(req.url).pathname}` }, { status: 404 });
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
