// Child process for the store's kill -9 test: queues one event and one audit entry every few ms
// (never flushing by hand: the write-behind timer commits them) and prints "queued <id>" after
// each. The parent SIGKILLs it and checks what was queued well before the kill is in the store.
import { openStore } from "../../lib/store";
import type { TimelineEvent } from "../../lib/timeline/types";

export function storeWriterEvent(id: number): TimelineEvent {
  return { id, at: 1_700_000_000_000 + id, topology: "main", kind: "node:up", node: `10.0.0.${id % 7}:6379`, severity: "info", text: `event ${id} ${"x".repeat(id % 300)}`, data: { n: id } };
}

async function main(dataDir: string, databaseUrl: string | undefined): Promise<void> {
  const store = await openStore({ dataDir, databaseUrl });
  const start = (await store.events.maxId()) + 1;
  for (let id = start; ; id++) {
    store.events.queue([storeWriterEvent(id)]);
    store.audit.queue({ at: id, user: "writer", role: "operator", action: "write", topology: null, nodes: [], result: "ok" });
    process.stdout.write(`queued ${id}\n`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const [dataDir, databaseUrl] = process.argv.slice(2);
if (process.env.REPLSCOPE_STORE_WRITER === "1" && dataDir) {
  main(dataDir, databaseUrl || undefined).catch((err: unknown) => {
    process.stderr.write(`writer failed: ${String(err)}\n`);
    process.exit(1);
  });
}
