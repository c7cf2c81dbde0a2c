"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useState } from "react";

const NAV = [
  { href: "/", label: "Overview" },
  { href: "/timeline", label: "Timeline" },
  { href: "/keys", label: "Keys" },
  { href: "/compare", label: "Compare" },
  { href: "/fluentd", label: "Fluentd" },
  { href: "/drills", label: "Drills" },
  { href: "/audit", label: "Audit" },
];

export function AppHeader() {
  const pathname = usePathname();
  const router = useRouter();
  const [me, setMe] = useState<{ user: string; role: string } | null>(null);
  useEffect(() => {
    let cancelled = false;
    fetch("/api/auth/me")
      .then((r) => (r.ok ? r.json() : null))
      .then((m: { user: string; role: string } | null) => !cancelled && setMe(m))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);
  const logout = async () => {
    await fetch("/api/auth/logout", { method: "POST" });
    router.replace("/login");
  };
  return (
    <header className="border-b border-slate-800 bg-slate-950/80">
      <div className="mx-auto flex h-12 max-w-[1600px] items-center gap-6 px-6">
        <Link href="/" className="flex items-center gap-2 font-semibold text-slate-50">
          {/* eslint-disable-next-line @next/next/no-img-element -- a 20px static SVG needs no optimisation */}
          <img src="/icon.svg" alt="" width={20} height={20} />
          replscope
        </Link>
        <nav className="flex gap-4 text-sm">
          {NAV.map((n) => (
            <Link key={n.href} href={n.href} className={(n.href === "/" ? pathname === "/" : pathname.startsWith(n.href)) ? "text-slate-50" : "text-slate-400 hover:text-slate-200"}>
              {n.label}
            </Link>
          ))}
        </nav>
        <span className="ml-auto text-xs text-slate-400" data-testid="whoami" data-role={me?.role ?? ""}>
          {me ? `${me.user} · ${me.role}` : ""}
        </span>
        <button onClick={logout} className="text-sm text-slate-400 hover:text-slate-200" data-testid="logout">
          Log out
        </button>
      </div>
    </header>
  );
}
