"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

/** What was not found, in the words of the page that was asked for. */
function whatIsMissing(pathname: string): { title: string; detail: string } {
  const node = /^\/nodes\/([^/]+)$/.exec(pathname);
  if (node?.[1]) {
    return { title: "No such node", detail: `replscope does not watch a node ${safeDecode(node[1])} in any topology. It may have been removed from the topology, or the address is mistyped.` };
  }
  const drill = /^\/drills\/([^/]+)$/.exec(pathname);
  if (drill?.[1]) return { title: "No such drill", detail: `There is no drill ${safeDecode(drill[1])}: it never ran here, or its report was deleted.` };
  return { title: "Page not found", detail: `There is no page at ${pathname}.` };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function NotFoundView() {
  const pathname = usePathname() ?? "/";
  const { title, detail } = whatIsMissing(pathname);
  return (
    <div className="mx-auto max-w-xl py-16 text-center" data-testid="not-found">
      <p className="font-mono text-sm text-slate-500">404</p>
      <h1 className="mt-2 text-xl font-semibold text-slate-50">{title}</h1>
      <p className="mt-3 text-sm wrap-anywhere text-slate-400">{detail}</p>
      <div className="mt-6 flex flex-wrap justify-center gap-3 text-sm">
        <Link href="/" className="rounded bg-sky-600 px-3 py-1.5 font-semibold text-white hover:bg-sky-500">
          Back to the overview
        </Link>
        <Link href="/timeline" className="rounded border border-slate-600 px-3 py-1.5 text-slate-200 hover:bg-slate-800">
          Timeline
        </Link>
      </div>
    </div>
  );
}
