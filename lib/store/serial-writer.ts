// Saves one record again and again without two saves of it racing (with a PostgreSQL pool, two
// transactions of one record could commit out of order): saves run one at a time, and a flush
// asked for while one is queued shares it (the queued save takes its snapshot when it starts, so
// it holds every change made before).
export class SerialWriter {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  constructor(
    /** Takes the snapshot and writes it; errors are reported, never thrown to the caller. */
    private readonly write: () => Promise<void>,
    private readonly what: string,
  ) {}

  /** Resolves once everything changed before the call is committed (or its save failed). */
  flush(): Promise<void> {
    this.queued ??= this.chain = this.chain.then(async () => {
      this.queued = null;
      try {
        await this.write();
      } catch (err) {
        console.error(`replscope: cannot save ${this.what}`, err);
      }
    });
    return this.queued;
  }
}
