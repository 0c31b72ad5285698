/** Shared pieces of the benchmark: runtimes, the prompt, timing statistics, memory. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { TextTokenizer } from '../models/tokenizer/tokenizer.ts';
import type { LoadOptions } from '../workers/engine/engine.ts';
import type { InferenceSession, OrtRuntime } from '../workers/engine/ortRuntime.ts';

export type BenchBackend = 'cpu' | 'wasm';
export const BACKENDS: BenchBackend[] = ['cpu', 'wasm'];

/** The project's PyTorch figure, quoted (PyTorch cannot be installed here): not measured by this bench. */
export const PYTORCH_REFERENCE = {
  ms: 360,
  model: 'gpt2-medium',
  note:
    'QUOTED CONSTANT, not measured here: "a PyTorch (OpenBLAS) forward that decodes every residual state ' +
    'takes about 360 ms for a 20-token prompt at gpt2-medium shape on this machine, with PyTorch at its ' +
    'fastest thread setting (1 intra-op thread, OpenBLAS on both cores)"',
};

export const TARGETS = { cpuVsPytorch: 0.6, wasmVsPytorch: 1.5, instrumentedVsPlain: 1.3 };

export const PROMPT_TEXT =
  'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:';
export const PROMPT_TOKENS = 20;
export const TRACKED_TEXTS = [' Paris', ' Warsaw', ' France'];

export interface BenchPrompt {
  ids: number[];
  tracked: number[];
  text: string;
  trackedTexts: string[];
}

let tokenizerJson: object | undefined;
export function tokenizerJsonOnce(): object {
  tokenizerJson ??= loadGpt2TokenizerJsonFromPackage();
  return tokenizerJson;
}

/** The prompt's real GPT-2 ids, cut (or padded by repeating it) to exactly 20 tokens. */
export function benchPrompt(): BenchPrompt {
  const tokenizer = TextTokenizer.fromJson(tokenizerJsonOnce());
  const base = tokenizer.encode(PROMPT_TEXT);
  const ids: number[] = [];
  while (ids.length < PROMPT_TOKENS) ids.push(...base);
  const tracked = TRACKED_TEXTS.map((t) => tokenizer.encode(t)[0]!);
  return { ids: ids.slice(0, PROMPT_TOKENS), tracked, text: PROMPT_TEXT, trackedTexts: TRACKED_TEXTS };
}

export interface RuntimeChoice {
  backend: BenchBackend;
  /** onnxruntime-web's env.wasm.numThreads. */
  wasmThreads: number;
  /** Sets session.intra_op.allow_spinning = 0 (idle pool threads sleep instead of spinning). */
  noSpin: boolean;
}

export interface Runtime {
  ort: OrtRuntime;
  options: LoadOptions;
  threads: number;
}

/** onnxruntime-node on the CPU EP (default intra-op threads = cores) or onnxruntime-web's wasm in Node. */
export async function loadRuntime(choice: RuntimeChoice): Promise<Runtime> {
  const { backend, wasmThreads } = choice;
  const extra = choice.noSpin ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {};
  if (backend === 'cpu') {
    const mod = await import('onnxruntime-node');
    const ort = ((mod as { default?: unknown }).default ?? mod) as OrtRuntime & {
      env: { logLevel?: string };
    };
    ort.env.logLevel = 'error';
    return {
      ort,
      options: {
        executionProviders: ['cpu'],
        backend: 'cpu',
        sessionOptions: { logSeverityLevel: 3, ...extra },
      },
      threads: cpus().length,
    };
  }
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = wasmThreads;
  web.env.logLevel = 'error';
  return {
    ort: web as unknown as OrtRuntime,
    options: { executionProviders: ['wasm'], backend: 'wasm', sessionOptions: { ...extra } },
    threads: wasmThreads,
  };
}

export interface CreatedSession {
  ms: number;
  session: InferenceSession;
  options: InferenceSession.SessionOptions | undefined;
}

/**
 * Wraps a runtime so that every InferenceSession.create is timed (the engine creates trunk, then lens)
 * and may have its options adjusted (profiling, per-session file prefix).
 */
export function instrumentRuntime(
  ort: OrtRuntime,
  created: CreatedSession[],
  adjust?: (index: number, options: InferenceSession.SessionOptions) => InferenceSession.SessionOptions,
): OrtRuntime {
  return {
    Tensor: ort.Tensor,
    InferenceSession: {
      async create(model, options) {
        const opts = adjust ? adjust(created.length, { ...options }) : options;
        const start = performance.now();
        const session = await ort.InferenceSession.create(model, opts);
        created.push({ ms: performance.now() - start, session, options: opts });
        return session;
      },
    },
  };
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

export interface Timed<T> extends Stats {
  /** CPU time of this process / wall time over the kept runs: about the thread count when threads work. */
  cpuPerWall: number;
  /** Runs thrown away because other processes took the CPUs meanwhile (then run again). */
  discarded: number;
  /** What fn returned for each kept run. */
  values: T[];
}

/** CPU time (ms) that other processes took during a run: the machine's busy time minus this process's. */
function othersMs(before: CpuTicks | undefined, after: CpuTicks | undefined, ownMicros: number): number {
  if (!before || !after) return 0;
  return Math.max(0, (after.busy - before.busy) * 10 - ownMicros / 1000);
}

/**
 * Runs `fn` warm times untimed, then until `reps` runs are kept. A run during which other processes
 * used more than 5% of the CPUs (and at least 20 ms, /proc/stat counting in 10 ms ticks) is thrown away
 * and run again, up to 2 * reps extra times: on 2 cores even a little work by a neighbour preempts one
 * of the thread pool's two threads, and every parallel op then waits for it (runs 3x slower).
 */
export async function timeRuns<T>(
  warm: number,
  reps: number,
  fn: (rep: number) => Promise<T>,
): Promise<Timed<T>> {
  for (let i = 0; i < warm; i++) await fn(-1 - i);
  const samples: number[] = [];
  const values: T[] = [];
  const cores = cpus().length;
  let cpuMicros = 0;
  let wall = 0;
  let discarded = 0;
  while (samples.length < reps) {
    const ticks = cpuTicks();
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const value = await fn(samples.length);
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const own = cpu.user + cpu.system;
    const others = othersMs(ticks, cpuTicks(), own);
    if (others > Math.max(20, 0.05 * ms * cores) && discarded < 2 * reps) {
      discarded++;
      continue;
    }
    samples.push(ms);
    values.push(value);
    wall += ms;
    cpuMicros += own;
  }
  return { ...stats(samples), cpuPerWall: cpuMicros / 1000 / wall, discarded, values };
}

/** Peak resident set size of this process so far, in MiB. */
export function maxRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function rssMiB(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

export function machineInfo(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  // some packages do not export ./package.json: walk up from their entry point instead
  const version = (name: string): string => {
    let dir = dirname(require.resolve(name));
    while (dir !== dirname(dir)) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? 'unknown';
      }
      dir = dirname(dir);
    }
    return 'unknown';
  };
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    onnxruntimeNode: version('onnxruntime-node'),
    onnxruntimeWeb: version('onnxruntime-web'),
  };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

interface CpuTicks {
  steal: number;
  busy: number;
  total: number;
}

/** Aggregate CPU ticks (USER_HZ, 100 per second) from Linux's /proc/stat; undefined elsewhere. */
function cpuTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = user + nice + system + irq + softirq;
    return { steal, busy, total: busy + idle + iowait + steal };
  } catch {
    return undefined;
  }
}

export interface Noise {
  loadAvgStart: number;
  loadAvgEnd: number;
  /** Share of all cores' time used by other processes during the measurement (0-100). */
  othersPct?: number;
  /** Share of CPU time the hypervisor took (steal), over the measurement. */
  stealPct?: number;
}

/** The machine's load around a measurement: other processes or a busy host make the figures noisy. */
export function noiseMeter(): () => Noise {
  const start = cpuTicks();
  const ownStart = process.cpuUsage();
  const loadAvgStart = loadavg()[0]!;
  return () => {
    const end = cpuTicks();
    const own = process.cpuUsage(ownStart);
    const noise: Noise = { loadAvgStart, loadAvgEnd: loadavg()[0]! };
    if (start && end && end.total > start.total) {
      const total = end.total - start.total;
      const ownTicks = (own.user + own.system) / 10_000;
      noise.othersPct = Math.max(0, (100 * (end.busy - start.busy - ownTicks)) / total);
      noise.stealPct = (100 * (end.steal - start.steal)) / total;
    }
    return noise;
  };
}

/**
 * Waits (up to maxWaitMs) until other processes use less than `threshold` percent of the CPUs over
 * a one-second window; returns how busy the machine was when it gave up or went ahead.
 */
export async function waitForQuiet(
  maxWaitMs: number,
  threshold = 15,
): Promise<{ busyPct: number; waitedMs: number }> {
  const started = performance.now();
  for (;;) {
    const a = cpuTicks();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = cpuTicks();
    if (!a || !b || b.total <= a.total) return { busyPct: 0, waitedMs: performance.now() - started };
    const busyPct = (100 * (b.busy - a.busy)) / (b.total - a.total);
    const waitedMs = performance.now() - started;
    if (busyPct < threshold || waitedMs >= maxWaitMs) return { busyPct, waitedMs };
  }
}
