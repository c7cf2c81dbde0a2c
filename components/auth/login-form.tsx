"use client";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { safeNextPath } from "@/lib/auth/next-path";

export function LoginForm() {
  const params = useSearchParams();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(username ? { username, password } : { password }),
      });
      if (res.ok) {
        window.location.href = safeNextPath(params.get("next"));
        return;
      }
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      setError(body.error ?? `login failed (${res.status})`);
    } catch {
      setError("cannot reach the replscope server");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="w-full max-w-sm space-y-4 rounded-xl border border-slate-800 bg-slate-900 p-6" data-testid="login-form">
      <div className="flex items-center gap-2">
        {/* eslint-disable-next-line @next/next/no-img-element -- a 24px static SVG needs no optimisation */}
        <img src="/icon.svg" alt="" width={24} height={24} />
        <h1 className="text-lg font-semibold text-slate-50">replscope</h1>
      </div>
      <label className="block text-sm text-slate-300">
        User
        <input
          type="text"
          name="username"
          autoComplete="username"
          placeholder="admin"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          className="mt-1 block w-full rounded-md border border-slate-700 bg-slate-950 px-3 py-2 font-mono text-slate-100 outline-none focus:border-sky-500"
          data-testid="username"
        />
      </label>
      <label className="block text-sm text-slate-300">
        Password
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className="mt-1 block w-full rounded-md border border-slate-700 bg-slate-950 px-3 py-2 font-mono text-slate-100 outline-none focus:border-sky-500"
          data-testid="password"
        />
      </label>
      <p className="min-h-5 text-sm text-rose-300" role="alert" data-testid="login-error">
        {error}
      </p>
      <button
        type="submit"
        disabled={busy || !password}
        className="w-full rounded-md bg-sky-600 px-3 py-2 text-sm font-semibold text-white hover:bg-sky-500 disabled:opacity-50"
        data-testid="login-submit"
      >
        {busy ? "Signing in…" : "Sign in"}
      </button>
      <p className="text-xs text-slate-500">User admin: the password is REPLSCOPE_PASSWORD, or the one printed at first start. Other users come from the config file.</p>
    </form>
  );
}
