/**
 * The run controller's bookkeeping: computations in flight by key (tasks, each with a relay that
 * replays its progress to whoever follows it, so a job that adopts a running look-ahead sees it from
 * the start), the small LRU of finished outcomes, and the count of foreground work in flight. No
 * store access, no engine calls.
 */
import type { StateResult } from '../../workers/engine/types.ts';
import { isCancel, type RunInput, type RunStream } from './runCompute.ts';

/** A Map in use order: get() refreshes an entry, put() drops the least recently used beyond `size`. */
export class Lru<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  put(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** A stream that keeps what came, so that a listener attached late sees it from the start. */
export interface Relay<B, H> {
  stream: RunStream<B, H>;
  /** Replays what came so far, then forwards; returns the detach. */
  attach(listener: RunStream<B, H>): () => void;
}

export function createRelay<B, H>(): Relay<B, H> {
  let begun: { value: B } | undefined;
  let head: { value: H } | undefined;
  const rows: StateResult[] = [];
  let listener: RunStream<B, H> | undefined;
  return {
    stream: {
      start: (value) => {
        begun = { value };
        listener?.start(value);
      },
      rows: (states) => {
        for (const st of states) rows.push(st);
        listener?.rows(states);
      },
      lastPosition: (value) => {
        head = { value };
        listener?.lastPosition(value);
      },
    },
    attach: (l) => {
      listener = l;
      if (begun) {
        l.start(begun.value);
        if (rows.length > 0) l.rows(rows.slice());
        if (head) l.lastPosition(head.value);
      }
      return () => {
        if (listener === l) listener = undefined;
      };
    },
  };
}

/** One computation of one key, started by a foreground job or a look-ahead; jobs follow its relay. */
export interface Task<B, H, T> {
  key: string;
  input: RunInput;
  /** Started by prefetch(): a job that adopts it shows look-ahead work. */
  ahead: boolean;
  abort: AbortController;
  relay: Relay<B, H>;
  /** Rejects on an engine error or when aborted. */
  promise: Promise<T>;
}

/** Computations in flight by key, and finished outcomes, of one job kind (control or intervened). */
export class TaskTable<B, H, T> {
  /** In flight, foreground and look-ahead alike (a few at most). */
  readonly running = new Map<string, Task<B, H, T>>();
  readonly finished: Lru<T>;

  constructor(
    cacheSize: number,
    /** Whether an outcome of `input` is still reachable once computed (e.g. its model still loaded). */
    private readonly keep: (input: RunInput) => boolean,
  ) {
    this.finished = new Lru<T>(cacheSize);
  }

  /** Starts computing `key`, cached once done if still reachable; it leaves `running` once settled. */
  start(
    key: string,
    input: RunInput,
    ahead: boolean,
    compute: (signal: AbortSignal, stream: RunStream<B, H>) => Promise<T>,
  ): Task<B, H, T> {
    const abort = new AbortController();
    const relay = createRelay<B, H>();
    const promise = (async () => {
      try {
        const outcome = await compute(abort.signal, relay.stream);
        if (this.keep(input)) this.finished.put(key, outcome);
        return outcome;
      } finally {
        if (this.running.get(key)?.abort === abort) this.running.delete(key);
      }
    })();
    // followers see the error; a look-ahead nobody follows must not raise an unhandled rejection
    promise.catch(() => undefined);
    const task: Task<B, H, T> = { key, input, ahead, abort, relay, promise };
    this.running.set(key, task);
    return task;
  }

  /** Aborts and forgets every computation whose key `drop` picks. */
  abortWhere(drop: (key: string) => boolean): void {
    for (const [key, task] of this.running) {
      if (!drop(key)) continue;
      task.abort.abort();
      this.running.delete(key);
    }
  }

  /** Its outcome is cached or being computed. */
  atHand(key: string): boolean {
    return this.finished.has(key) || this.running.has(key);
  }
}

/** Where a followed task's progress goes (the run slice's actions), each step under the run's seq. */
export interface Shown<B, H, T> {
  start(begin: B, seq: number): void;
  rows(states: StateResult[], seq: number): void;
  lastPosition(head: H, seq: number): void;
  finish(outcome: T, seq: number): void;
  fail(error: unknown): void;
}

/**
 * Follows `task` until `signal` aborts: its start under a fresh seq, rows and the last position as
 * they come, then the outcome. Resolves null when cancelled or failed (failures go to `fail`).
 */
export async function follow<B, H, T>(
  task: Task<B, H, T>,
  signal: AbortSignal,
  nextSeq: () => number,
  shown: Shown<B, H, T>,
): Promise<T | null> {
  let runSeq = 0;
  const detach = task.relay.attach({
    start: (begin) => {
      if (signal.aborted) return;
      runSeq = nextSeq();
      shown.start(begin, runSeq);
    },
    rows: (states) => {
      if (!signal.aborted && runSeq) shown.rows(states, runSeq);
    },
    lastPosition: (head) => {
      if (!signal.aborted && runSeq) shown.lastPosition(head, runSeq);
    },
  });
  try {
    const outcome = await task.promise;
    if (signal.aborted) return null;
    shown.finish(outcome, runSeq || nextSeq());
    return outcome;
  } catch (error) {
    if (!isCancel(error, signal) && !task.abort.signal.aborted) shown.fail(error);
    return null;
  } finally {
    detach();
  }
}

/** Foreground work in flight: `running` turns on with the first and off with the last. */
export class Foreground {
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  constructor(
    /** A run is scheduled but not started (a debounce timer). */
    private readonly scheduled: () => boolean,
    private readonly setRunning: (running: boolean) => void,
  ) {}

  get idle(): boolean {
    return this.inFlight === 0 && !this.scheduled();
  }

  /** Resolves idle() waiters when nothing is in flight or scheduled. */
  check(): void {
    if (!this.idle) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      queueMicrotask(() => this.check());
    });
  }

  async track<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight++ === 0) this.setRunning(true);
    try {
      return await work();
    } finally {
      if (--this.inFlight === 0) this.setRunning(false);
      queueMicrotask(() => this.check());
    }
  }
}
