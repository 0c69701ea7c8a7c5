/**
 * Group commit: requests that arrive while earlier ones are being committed wait and are then committed together,
 * in one transaction with a fixed number of statements, instead of one transaction each. There is no timer: a
 * request that finds a free slot starts a batch at once (alone, when the server is quiet), so batching adds no
 * latency at low load and grows with the load by itself.
 *
 * A batch holds at most one item per key (the family: its account row is locked once per transaction, and the second
 * award of a family must see the first one's entry), and a key is in at most one running batch; later items of the
 * same key wait for a following batch, in arrival order. What a batch means for each of its items (booked, refused, replayed) is decided by `commit`, which
 * settles every item; if `commit` itself fails (the transaction rolled back), each item is tried again in a
 * transaction of its own, so that one bad item cannot fail the others.
 */
export interface GroupCommitItem<R> {
  key: string;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T extends GroupCommitItem<R>, R> {
  private queue: T[] = [];
  private running = 0;
  /** Keys of the items in running batches. */
  private readonly busy = new Set<string>();

  /**
   * @param commit commits one batch in one transaction and settles each of its items; throws when the transaction fails
   * @param maxBatch most items per transaction
   * @param maxConcurrent most transactions at a time (a batch waiting for a row lock held elsewhere does not stop the others)
   */
  constructor(
    private readonly commit: (batch: T[]) => Promise<void>,
    private readonly maxBatch: number,
    private readonly maxConcurrent: number,
  ) {}

  /** Queues an item; its promise settles when the batch it joins has committed or refused it. */
  submit(item: Omit<T, 'resolve' | 'reject'>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ ...item, resolve, reject } as T);
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      const batch: T[] = [];
      const keys = new Set<string>();
      const rest: T[] = [];
      for (const item of this.queue) {
        if (batch.length < this.maxBatch && !keys.has(item.key) && !this.busy.has(item.key)) {
          keys.add(item.key);
          batch.push(item);
        } else rest.push(item);
      }
      if (batch.length === 0) return; // everything queued waits for a running batch of its key
      this.queue = rest;
      this.running++;
      for (const key of keys) this.busy.add(key);
      void this.run(batch).finally(() => {
        this.running--;
        for (const key of keys) this.busy.delete(key);
        this.pump();
      });
    }
  }

  private async run(batch: T[]) {
    try {
      await this.commit(batch);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const item of batch) {
        try {
          await this.commit([item]);
        } catch (itemError) {
          item.reject(itemError);
        }
      }
    }
  }
}
