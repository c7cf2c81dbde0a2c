import { TreeQuery, treeStepOf } from "@/lib/http/keys-view";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** One ~40 ms step of the folder view below `prefix`; call again with the returned cursor until "0". */
export const GET = route({ params: NodeParams, query: TreeQuery }, ({ rt, params, query }) => treeStepOf(rt, params.id, query));
