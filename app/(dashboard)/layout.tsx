import { DashboardShell } from "@/components/layout/dashboard-shell";
import { StaleNotice } from "@/components/realtime/connection-status";
import { LiveCacheSync } from "@/components/realtime/live-cache";
import { SocketProvider } from "@/components/realtime/socket-provider";

/** Every dashboard page shares one socket (kept across client-side navigation) and its connection state. */
export default function DashboardLayout({ children }: { children: React.ReactNode }) {
  return (
    <SocketProvider>
      <LiveCacheSync />
      <DashboardShell>
        <StaleNotice />
        {children}
      </DashboardShell>
    </SocketProvider>
  );
}
