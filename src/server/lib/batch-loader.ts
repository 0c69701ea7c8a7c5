/**
 * Coalesces concurrent look-ups into one statement: a look-up that finds a free slot is sent at once (alone when
 * the server is quiet); look-ups that arrive while statements are in flight wait and go together in the next one.
 * This is not a cache: every look-up is answered by a statement that started after it was asked, so it sees
 * everything committed before it was asked (a sign-out, a changed grant), exactly as a statement of its own would.
 * What it saves is round trips and per-statement work when many requests arrive together.
 */
export class BatchLoader<K, V> {
  private pending: { key: K; resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;

  /**
   * @param loadMany answers several keys in one statement, one value per key in the same order
   * @param maxConcurrent most statements in flight at a time
   * @param maxBatch most keys per statement
   */
  constructor(
    private readonly loadMany: (keys: K[]) => Promise<V[]>,
    private readonly maxConcurrent = 2,
    private readonly maxBatch = 128,
  ) {}

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.maxConcurrent && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.running++;
      this.loadMany(batch.map((item) => item.key))
        .then(
          (values) => batch.forEach((item, i) => item.resolve(values[i] as V)),
          (error: unknown) => batch.forEach((item) => item.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}
