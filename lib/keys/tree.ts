// Folder view of key names ("user:42:profile" -> user / 42 / profile) with a key count per
// folder. Pure; works on whatever page(s) of keys the browser has loaded.

export interface KeyFolder<T> {
  /** Segment name ("" for the root and for empty segments as in "a::b"). */
  name: string;
  /** Everything before the folder's children, separator included: "user:42:". Use with escapeGlob. */
  prefix: string;
  /** Keys anywhere below this folder. */
  count: number;
  folders: KeyFolder<T>[];
  /** Keys whose name ends at this level. */
  keys: T[];
}

export interface KeyTreeOptions<T> {
  separator?: string;
  /** Deeper segments stay in the key's name instead of nesting further (default 16). */
  maxDepth?: number;
  /** Name used for grouping; defaults to the item itself when items are strings. */
  nameOf?: (item: T) => string;
}

// Numeric-aware so "user:2" sorts before "user:10"; a fixed locale keeps output deterministic.
const collator = new Intl.Collator("en", { numeric: true });

export function buildKeyTree<T = string>(items: readonly T[], opts: KeyTreeOptions<T> = {}): KeyFolder<T> {
  const separator = opts.separator ?? ":";
  if (separator === "") throw new Error("separator must not be empty");
  const maxDepth = opts.maxDepth ?? 16;
  const nameOf = opts.nameOf ?? ((item: T) => String(item));
  const root = folder<T>("", "");
  const index = new Map<string, KeyFolder<T>>([["", root]]);

  for (const item of items) {
    const segments = nameOf(item).split(separator);
    let node = root;
    node.count++;
    // The last segment is the key's own name; at most maxDepth folders above it.
    for (const segment of segments.slice(0, Math.min(segments.length - 1, maxDepth))) {
      const prefix = node.prefix + segment + separator;
      let child = index.get(prefix);
      if (!child) {
        child = folder<T>(segment, prefix);
        index.set(prefix, child);
        node.folders.push(child);
      }
      node = child;
      node.count++;
    }
    node.keys.push(item);
  }
  sortTree(root, nameOf);
  return root;
}

function folder<T>(name: string, prefix: string): KeyFolder<T> {
  return { name, prefix, count: 0, folders: [], keys: [] };
}

function sortTree<T>(node: KeyFolder<T>, nameOf: (item: T) => string): void {
  node.folders.sort((a, b) => collator.compare(a.name, b.name));
  node.keys.sort((a, b) => collator.compare(nameOf(a), nameOf(b)));
  for (const child of node.folders) sortTree(child, nameOf);
}
