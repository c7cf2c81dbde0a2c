import type { NodeView } from "@/lib/monitor/types";
import type { LagPoint } from "@/lib/realtime/events";
import { buildTree, type TreeNode } from "@/lib/realtime/client-state";
import { NodeCard } from "./node-card";

interface GraphProps {
  nodes: NodeView[];
  lag: Record<string, LagPoint[]>;
  topology: string;
  now: number;
}

function Branch({ tree, ...rest }: { tree: TreeNode } & Omit<GraphProps, "nodes">) {
  const count = tree.children.length;
  return (
    <div className="flex flex-col items-center">
      <NodeCard node={tree.node} lag={rest.lag[tree.node.id]} topology={rest.topology} now={rest.now} />
      {count > 0 && (
        <>
          <div className="h-5 w-px bg-slate-600" />
          <div className="flex gap-6">
            {tree.children.map((child, i) => (
              <div key={child.node.id} className="relative flex flex-col items-center pt-5">
                {count > 1 && (
                  <span
                    className={`absolute top-0 h-px bg-slate-600 ${i === 0 ? "right-0 left-1/2" : i === count - 1 ? "right-1/2 left-0" : "right-0 left-0"}`}
                    style={{ marginLeft: i === 0 ? 0 : -12, marginRight: i === count - 1 ? 0 : -12 }}
                  />
                )}
                <span className="absolute top-0 left-1/2 h-5 w-px bg-slate-600" />
                <Branch tree={child} {...rest} />
              </div>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

export function TopologyGraph({ nodes, ...rest }: GraphProps) {
  const trees = buildTree(nodes);
  if (trees.length === 0) {
    return <p className="py-12 text-center text-sm text-slate-400">No nodes reached yet. Checking the seeds…</p>;
  }
  return (
    <div className="flex flex-wrap items-start justify-center gap-12 overflow-x-auto py-2" data-testid="topology-graph">
      {trees.map((t) => (
        <Branch key={t.node.id} tree={t} {...rest} />
      ))}
    </div>
  );
}
