// Audit log of operator actions, on the store's `audit` table. append() queues the row (the
// write-behind commits it within 100 ms, off the event loop); query() reads its writes.
import type { Store } from "../store";
import { AuditEntrySchema, type AuditEntry, type AuditQuery } from "../store/audit";

export { AuditEntrySchema, type AuditEntry, type AuditQuery } from "../store/audit";

export interface AuditLog {
  append(e: AuditEntry): void;
  /** The newest `limit` matching entries, oldest first. */
  query(q: AuditQuery): Promise<AuditEntry[]>;
}

export function auditLogOn(store: Store): AuditLog {
  return {
    append(e) {
      store.audit.queue(AuditEntrySchema.parse(e));
    },
    async query(q) {
      await store.flush().catch(() => undefined);
      return store.audit.query(q);
    },
  };
}
