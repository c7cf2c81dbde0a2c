// Every API route is `route(spec, handler)`: the wrapper finds the runtime, parses the path
// parameters, query (strict) and JSON body with the spec's zod schemas, checks the role (and, for
// operator actions, writes the audit entry), and turns anything thrown into `{ error, field? }`.
// Route files are then the handler's few lines.
import { z } from "zod";
import { getRuntime, type Runtime } from "../runtime";
import { requester, type Requester } from "./auth";
import { readJson } from "./body";
import { errorResponse, HttpError } from "./errors";
import { operatorAction, type ActionInfo } from "./operator";
import { parseParams } from "./params";
import { parseQuery } from "./query";
import { json } from "./respond";

const NONE = z.object({});
type None = typeof NONE;

export interface Input<P, Q, B> {
  req: Request;
  rt: Runtime;
  who: Requester;
  params: P;
  query: Q;
  body: B;
}

export interface RouteSpec<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodObject | undefined> {
  /** The [segments] of the route's path. */
  params?: P;
  /** Every query parameter the route takes; any other is a 400. Default: none. */
  query?: Q;
  /** The JSON body (Content-Type: application/json; empty means `{}`). Default: the body is not read. */
  body?: B;
  bodyMaxBytes?: number;
  /** "operator": viewers get 403. */
  role?: "operator";
  /** An operator action: viewers get 403 and every attempt (denied, ok, error) is audited. */
  action?: (input: Input<z.output<P>, z.output<Q>, BodyOf<B>>) => ActionInfo | Promise<ActionInfo>;
}

type BodyOf<B> = B extends z.ZodObject ? z.output<B> : undefined;
/** A handler answers a Response, or a value sent as 200 JSON. */
type Answer = Response | object;

/** Next's context argument: params for dynamic segments (a promise since Next 15). */
export interface RouteContext {
  params?: Promise<unknown>;
}

export type RouteHandler = (req: Request, ctx: RouteContext) => Promise<Response>;

export function route<P extends z.ZodObject = None, Q extends z.ZodObject = None, B extends z.ZodObject | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
  handler: (input: Input<z.output<P>, z.output<Q>, BodyOf<B>>) => Answer | Promise<Answer>,
): RouteHandler {
  return async (req, ctx) => {
    let rt: Runtime;
    try {
      rt = getRuntime();
    } catch {
      return errorResponse(new HttpError(503, "replscope is not running under server.ts"));
    }
    try {
      const params = parseParams(await ctx?.params, spec.params ?? NONE) as z.output<P>;
      const query = parseQuery(req.url, spec.query ?? NONE) as z.output<Q>;
      const body = (spec.body ? await readJson(req, spec.body, spec.bodyMaxBytes) : undefined) as BodyOf<B>;
      const input = { req, rt, who: requester(req), params, query, body };
      const run = async () => toResponse(await handler(input));
      if (spec.action) return await operatorAction(rt, input.who, await spec.action(input), run);
      if (spec.role === "operator" && input.who.role !== "operator") throw new HttpError(403, "this action needs the operator role");
      return await run();
    } catch (err) {
      return errorResponse(err);
    }
  };
}

function toResponse(answer: Answer): Response {
  return answer instanceof Response ? answer : json(answer);
}
