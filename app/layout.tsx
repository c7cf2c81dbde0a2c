import type { Metadata } from "next";
import "./globals.css";

// Every page is rendered per request so Next can put the request's CSP nonce on its scripts.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "replscope",
  description: "Live Redis replication dashboard",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
