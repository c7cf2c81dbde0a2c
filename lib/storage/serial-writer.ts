// Saves one record again and again without blocking the event loop and without two writes of it
// racing: writes run one at a time, and a flush asked for while one is queued shares it (the
// queued write takes its snapshot when it starts, so it holds every change made before).
export class SerialWriter {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  constructor(
    /** Takes the snapshot and writes it; errors are reported, never thrown to the caller. */
    private readonly write: () => Promise<void>,
    private readonly what: string,
  ) {}

  /** Resolves once everything changed before the call is on disk (or its write failed). */
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
