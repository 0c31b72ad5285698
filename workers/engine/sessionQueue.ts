/**
 * Who uses the engine's sessions next. One job at a time (overlapping WebGPU runs fail), in two
 * queues: the first part of a run (its trunk and last position: what a rank plot needs) goes before
 * the rest of any run (the other positions' lens chunks), so that a new run's rank plot waits for at
 * most one chunk of an older run's heatmap, never for all of it. First come, first served within each.
 */
export type Turn = 'first' | 'rest';

export class SessionQueue {
  private busy = false;
  private readonly waiting: Record<Turn, Array<() => void>> = { first: [], rest: [] };

  /** Runs `work` once the sessions are free and no job of an earlier turn waits. */
  async hold<T>(turn: Turn, work: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.waiting[turn].push(resolve);
      this.next();
    });
    try {
      return await work();
    } finally {
      this.busy = false;
      this.next();
    }
  }

  private next(): void {
    if (this.busy) return;
    const start = this.waiting.first.shift() ?? this.waiting.rest.shift();
    if (!start) return;
    this.busy = true;
    start();
  }
}
