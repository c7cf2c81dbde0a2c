import { AppHeader } from "./app-header";

/** Header and page width shared by every dashboard page and the 404 page. */
export function DashboardShell({ children }: { children: React.ReactNode }) {
  return (
    <>
      <AppHeader />
      <main className="mx-auto max-w-[1600px] px-3 py-4 sm:px-6 sm:py-5">{children}</main>
    </>
  );
}
