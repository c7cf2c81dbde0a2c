import { AuditTable } from "@/components/audit/audit-table";

export default function AuditPage() {
  return <AuditTable />;
}
