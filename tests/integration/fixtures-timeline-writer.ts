// Child process for the kill -9 test: appends events as fast as it can and prints
// "flushed <id>" only after everything up to <id> has been committed. The parent SIGKILLs it.
import type { TimelineEvent } from "../../lib/timeline/types";
import { openEventStore } from "../../lib/timeline/store";

/** Deterministic content per id, so the parent can check every surviving event byte for byte. */
export function writerEvent(id: number): TimelineEvent {
  return {
    id,
    at: 1_700_000_000_000 + id,
    topology: id % 2 ? "main" : "cache",
    kind: id % 5 ? "replica:link-down" : "sync:full-resync",
    node: `10.0.0.${id % 7}:6379`,
    severity: "warning",
    // Varying, sometimes long lines make a write cut mid-line more likely.
    text: `event ${id} ${"é".repeat(id % 400)}`,
    data: { n: id, even: id % 2 === 0, none: null },
  };
}

async function main(dir: string): Promise<void> {
  const store = await openEventStore(dir, { flushMs: 1 });
  for (let batch = 0; ; batch++) {
    let upto = 0;
    for (let i = 0; i < 50; i++) {
      upto = store.nextId();
      store.append([writerEvent(upto)]);
    }
    const flushed = store.flush().then(() => {
      process.stdout.write(`flushed ${upto}\n`);
    });
    // Mostly let flushes and appends interleave, but wait now and then so nothing is dropped.
    if (batch % 4 === 3) await flushed;
    else await new Promise((r) => setImmediate(r));
  }
}

const [dir] = process.argv.slice(2);
if (process.env.REPLSCOPE_TIMELINE_WRITER === "1" && dir) {
  main(dir).catch((err: unknown) => {
    process.stderr.write(`writer failed: ${String(err)}\n`);
    process.exit(1);
  });
}
