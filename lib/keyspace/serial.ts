// One call at a time per connection, in order. The keyspace engine keeps several batches moving,
// but a node that holds several of our calls makes another client's PING wait behind all of them;
// behind a Serial, the server holds at most one of ours (the next is sent as the last one's reply
// arrives), so it stays busy without a queue.
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
