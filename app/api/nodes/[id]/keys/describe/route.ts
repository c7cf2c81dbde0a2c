import { DescribeRequest, describeInView } from "@/lib/http/keys-view";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Type, TTL, length and memory of up to 200 keys (the rows in view): {topology?, db, keys}. A read. */
export const POST = route({ params: NodeParams, body: DescribeRequest }, ({ rt, who, params, body }) => describeInView(rt, who, params.id, body));
