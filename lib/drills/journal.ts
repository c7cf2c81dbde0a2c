// A drill's steps as a write-ahead record: a command is committed to the store as "started"
// before it is sent, so a crash or kill -9 never hides what the drill did to the topology. An answer only
// turns "started" into "ok"/"error" in memory; the next write carries it (a crash in between
// reads as "no answer recorded", which is the truth as far as the record knows).
//
// Writes are asynchronous (a blocked event loop would delay the canary and distort what the drill
// measures) and serialised. Where commands must follow
// each other closely (promote, then re-point the siblings before the old master takes writes that
// would push them into a full resync), `intend` writes the whole sequence in one save first.
import { SerialWriter } from "../store/serial-writer";
import type { Drill, DrillStep } from "./types";

export class DrillJournal {
  /** Written ahead by `intend`, not sent yet: `act` claims them instead of saving again. */
  private ahead: DrillStep[] = [];
  private readonly writer: SerialWriter;

  constructor(
    private readonly drill: Drill,
    save: (d: Drill) => Promise<void>,
    private readonly onUpdate: (d: Drill) => void,
  ) {
    this.writer = new SerialWriter(() => save(drill), "drill record");
  }

  /** Resolves once the drill as it is now is committed. */
  flush(): Promise<void> {
    this.onUpdate(this.drill);
    return this.writer.flush();
  }

  /** A step that sends nothing (a wait, what was seen): saved too, in the background. */
  step(name: string, status: DrillStep["status"], detail: string): void {
    this.drill.steps.push({ at: Date.now(), name, status, detail });
    void this.flush();
  }

  /** Writes "started" steps for commands about to be sent one after the other, in one save. */
  async intend(steps: { name: string; detail: string }[]): Promise<void> {
    const at = Date.now();
    const written = steps.map((s): DrillStep => ({ at, name: s.name, status: "started", detail: s.detail, command: true }));
    this.drill.steps.push(...written);
    this.ahead.push(...written);
    await this.flush();
  }

  /** Sends something that changes the topology: committed as "started" before `run` begins. */
  async act<T>(name: string, detail: string, run: () => Promise<T>): Promise<T> {
    const i = this.ahead.findIndex((s) => s.name === name && s.detail === detail);
    let s: DrillStep;
    if (i >= 0) {
      s = this.ahead.splice(i, 1)[0] as DrillStep;
      s.at = Date.now();
    } else {
      s = { at: Date.now(), name, status: "started", detail, command: true };
      this.drill.steps.push(s);
      await this.flush();
    }
    try {
      const result = await run();
      s.status = "ok";
      return result;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      s.status = "error";
      s.detail = msg.startsWith(detail) ? msg : `${detail}: ${msg}`;
      throw err;
    } finally {
      this.onUpdate(this.drill);
    }
  }

  /** Steps written ahead and never sent (the drill failed or was aborted first) say so. */
  dropUnsent(): void {
    for (const s of this.ahead) {
      s.status = "info";
      s.command = false;
      s.detail = `not sent: ${s.detail}`;
    }
    this.ahead = [];
  }
}
