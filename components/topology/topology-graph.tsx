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

/**
 * From `sm` up, a tree: replicas side by side under their master, joined by lines. Below it (phones)
 * the same tree as an indented list, one card per row, so every card is reachable by scrolling down.
 */
function Branch({ tree, ...rest }: { tree: TreeNode } & Omit<GraphProps, "nodes">) {
  const count = tree.children.length;
  return (
    <div className="flex flex-col items-stretch sm:items-center">
      <NodeCard node={tree.node} lag={rest.lag[tree.node.id]} topology={rest.topology} now={rest.now} />
      {count > 0 && (
        <>
          <div className="hidden h-5 w-px bg-slate-600 sm:block" />
          <div className="mt-3 ml-3 flex flex-col gap-3 border-l border-slate-600 pl-3 sm:mt-0 sm:ml-0 sm:flex-row sm:gap-6 sm:border-l-0 sm:pl-0">
            {tree.children.map((child, i) => (
              <div key={child.node.id} className="relative flex flex-col items-stretch sm:items-center sm:pt-5">
                {count > 1 && (
                  <span
                    className={`absolute top-0 hidden h-px bg-slate-600 sm:block ${i === 0 ? "right-0 left-1/2" : i === count - 1 ? "right-1/2 left-0" : "right-0 left-0"}`}
                    style={{ marginLeft: i === 0 ? 0 : -12, marginRight: i === count - 1 ? 0 : -12 }}
                  />
                )}
                <span className="absolute top-0 left-1/2 hidden h-5 w-px bg-slate-600 sm:block" />
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
  // Each tree scrolls sideways inside the panel when it is wider than the screen (many replicas);
  // `w-max mx-auto` centres a narrow tree but starts a wide one at its left edge, never cut off.
  return (
    <div className="flex flex-wrap items-start justify-center gap-x-12 gap-y-6 py-2" data-testid="topology-graph">
      {trees.map((t) => (
        <div key={t.node.id} className="w-full max-w-full overflow-x-auto sm:w-auto">
          <div className="sm:mx-auto sm:w-max">
            <Branch tree={t} {...rest} />
          </div>
        </div>
      ))}
    </div>
  );
}
