"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useMe } from "@/components/data/use-api";
import { ConnectionPill } from "@/components/realtime/connection-status";

const NAV = [
  { href: "/", label: "Overview" },
  { href: "/timeline", label: "Timeline" },
  { href: "/keys", label: "Keys" },
  { href: "/compare", label: "Compare" },
  { href: "/transfer", label: "Export/Import" },
  { href: "/fluentd", label: "Fluentd" },
  { href: "/drills", label: "Drills" },
  { href: "/backups", label: "Backups" },
  { href: "/audit", label: "Audit" },
  { href: "/instances", label: "Instances" },
];

export function AppHeader() {
  const pathname = usePathname();
  const router = useRouter();
  const me = useMe();
  const logout = async () => {
    await fetch("/api/auth/logout", { method: "POST" });
    router.replace("/login");
  };
  // Narrow screens: logo, user and logout on the first row, the nav wrapping on its own rows below.
  return (
    <header className="border-b border-slate-800 bg-slate-950/80">
      <div className="mx-auto flex max-w-[1600px] flex-wrap items-center gap-x-6 gap-y-1 px-3 py-2 sm:px-6 lg:h-12 lg:flex-nowrap lg:py-0">
        <Link href="/" className="flex shrink-0 items-center gap-2 font-semibold text-slate-50">
          {/* eslint-disable-next-line @next/next/no-img-element -- a 20px static SVG needs no optimisation */}
          <img src="/icon.svg" alt="" width={20} height={20} />
          replscope
        </Link>
        <nav className="order-last flex w-full flex-wrap gap-x-4 gap-y-1 text-sm lg:order-none lg:w-auto" data-testid="main-nav">
          {NAV.map((n) => (
            <Link key={n.href} href={n.href} className={(n.href === "/" ? pathname === "/" : pathname.startsWith(n.href)) ? "text-slate-50" : "text-slate-400 hover:text-slate-200"}>
              {n.label}
            </Link>
          ))}
        </nav>
        <span className="ml-auto">
          <ConnectionPill />
        </span>
        <span className="min-w-0 truncate text-xs text-slate-400" data-testid="whoami" data-role={me?.role ?? ""}>
          {me ? `${me.user} · ${me.role}` : ""}
        </span>
        <button onClick={logout} className="shrink-0 text-sm whitespace-nowrap text-slate-400 hover:text-slate-200" data-testid="logout">
          Log out
        </button>
      </div>
    </header>
  );
}
