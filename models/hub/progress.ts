/** Download progress: the event a download emits, throttling, throughput over a sliding window, ETA. */

export type DownloadPhase =
  | 'checking-cache'
  /** Streaming a cached copy back (and checking it): bytes move, so the bar moves. */
  | 'reading-cache'
  | 'downloading'
  /** The digests are compared: instant, as they were computed while the bytes arrived. */
  | 'verifying'
  /** The cache's write finishes behind the download. */
  | 'storing'
  | 'cached'
  | 'done';

export interface DownloadProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number;
  /** Bytes of all files, cached ones included. `overallTotal` is 0 until every file's size is known. */
  overallLoaded: number;
  overallTotal: number;
  /** Network throughput over the last few seconds (0 until there is a real rate to show). */
  bytesPerSecond: number;
  /** null until the rate is real: a second of this transfer, not a burst of a small file before it. */
  etaSeconds: number | null;
  /**
   * Per file: 'checking-cache', then 'reading-cache'... 'cached' (used from the cache) or
   * 'downloading'..., 'verifying', 'storing', 'done'. The last event of a successful call has
   * overallLoaded === overallTotal.
   */
  phase: DownloadPhase;
  /** Something worth telling the user: a corrupt cached copy, a resumed or restarted transfer. */
  note?: string;
}

/** How long a transfer must run before its rate counts (and an ETA is shown). */
const RATE_MIN_MS = 1000;
const RATE_WINDOW_MS = 3000;

export class ProgressTracker {
  overallLoaded = 0;
  overallTotal = 0;
  private lastEmit = Number.NEGATIVE_INFINITY;
  private samples: { t: number; bytes: number }[] = [];
  private networkBytes = 0;
  private transferStart = 0;

  constructor(
    private readonly onProgress: ((p: DownloadProgress) => void) | undefined,
    private readonly intervalMs: number,
    private readonly rateMinMs = RATE_MIN_MS,
  ) {}

  /** A file's transfer starts: the rate is measured afresh (a small file's burst says nothing). */
  startTransfer(): void {
    this.samples = [];
    this.transferStart = performance.now();
    this.addNetworkBytes(0);
  }

  /** A request (first or resumed) starts. */
  mark(): void {
    this.addNetworkBytes(0);
  }

  addNetworkBytes(n: number): void {
    this.networkBytes += n;
    const t = performance.now();
    this.samples.push({ t, bytes: this.networkBytes });
    while (this.samples.length > 1 && t - this.samples[1]!.t > RATE_WINDOW_MS) this.samples.shift();
  }

  /** Over the last ~3 s up to now: falls towards 0 while a stream stalls; 0 in the first second. */
  private bytesPerSecond(): number {
    const now = performance.now();
    if (now - this.transferStart < this.rateMinMs) return 0;
    while (this.samples.length > 1 && now - this.samples[1]!.t > RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || now - first.t < 1) return 0;
    return ((last.bytes - first.bytes) * 1000) / (now - first.t);
  }

  emit(
    file: string,
    phase: DownloadPhase,
    loadedBytes: number,
    totalBytes: number,
    options: { throttle?: boolean; note?: string } = {},
  ): void {
    if (!this.onProgress) return;
    const now = performance.now();
    if (options.throttle && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    const bytesPerSecond = this.bytesPerSecond();
    const remaining = this.overallTotal - this.overallLoaded;
    const etaSeconds =
      this.overallTotal > 0 && remaining <= 0 ? 0 : bytesPerSecond > 0 ? remaining / bytesPerSecond : null;
    this.onProgress({
      file,
      loadedBytes,
      totalBytes,
      overallLoaded: this.overallLoaded,
      overallTotal: this.overallTotal,
      bytesPerSecond,
      etaSeconds: this.overallTotal > 0 ? etaSeconds : null,
      phase,
      ...(options.note ? { note: options.note } : {}),
    });
  }
}
