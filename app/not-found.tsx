import { DashboardShell } from "@/components/layout/dashboard-shell";
import { NotFoundView } from "@/components/layout/not-found-view";

// The 404 page for URLs that match no route. It renders outside the dashboard layout, so it
// brings the header itself (dashboard pages that call notFound() get app/(dashboard)/not-found.tsx).
export default function NotFound() {
  return (
    <DashboardShell>
      <NotFoundView />
    </DashboardShell>
  );
}
