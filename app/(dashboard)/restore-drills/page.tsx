import { RestoreDrillPanel } from "@/components/backup/restore-drill-panel";
import { BACKUP_ID } from "@/lib/backup/types";

export const dynamic = "force-dynamic";

const EXPORT_ID = /^[0-9a-f]{16}$/;

/** Every restore drill, or one backup's (?backup=<backup id>) or one export's (?export=<export id>) with its start button. */
export default async function RestoreDrillsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const q = await searchParams;
  const backup = typeof q.backup === "string" && BACKUP_ID.test(q.backup) ? q.backup : undefined;
  const exported = typeof q.export === "string" && EXPORT_ID.test(q.export) ? q.export : undefined;
  const id = backup ?? exported;
  return (
    <div className="space-y-3">
      <h1 className="text-lg font-semibold text-slate-50">Restore drills{id ? <span className="ml-2 font-mono text-sm text-slate-400">{id}</span> : null}</h1>
      <RestoreDrillPanel backupId={id} source={backup ? "backup" : "export"} />
    </div>
  );
}
