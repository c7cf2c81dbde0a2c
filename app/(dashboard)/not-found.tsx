import { NotFoundView } from "@/components/layout/not-found-view";

// A dashboard page that calls notFound() (a node or drill that does not exist): inside the
// dashboard layout, which already has the header. Unknown URLs get app/not-found.tsx.
export default function DashboardNotFound() {
  return <NotFoundView />;
}
