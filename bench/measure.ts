/**
 * What one child process measures: the instrumented engine, the plain logits-only graph, or the
 * fixture generators, for one (model, backend). Each runs in a fresh process so that peak RSS is its own.
 */
import { makeGpt2Fixture, seededRandom } from '../models/fixtures.ts';
import { parseGpt2Config } from '../models/gpt2/config.ts';
import { buildPlainGraph, PLAIN } from '../models/gpt2/graph.ts';
import { resolveGpt2Weights } from '../models/gpt2/weights.ts';
import { parseSafetensors, tensorAsFloat32 } from '../models/safetensors.ts';
import { LensEngine } from '../workers/engine/engine.ts';
import type { InferenceSession } from '../workers/engine/ortRuntime.ts';
import type { InterventionSpec, LensRequest, LensResult } from '../workers/engine/types.ts';
import {
  type BenchBackend,
  benchPrompt,
  type CreatedSession,
  instrumentRuntime,
  loadRuntime,
  maxRssMiB,
  type Noise,
  type RuntimeChoice,
  rssMiB,
  type Stats,
  stats,
  type Timed,
  timeRuns,
  tokenizerJsonOnce,
} from './common.ts';
import { fastGpt2Fixture, type ModelShape } from './fixture.ts';

export interface Reps {
  forwardWarm: number;
  forwardReps: number;
  batchWarm: number;
  batchReps: number;
  dropReps: number;
}

export function repsFor(model: ModelShape, backend: BenchBackend, quick: boolean): Reps {
  const small = model.nLayer <= 12;
  // V8 compiles wasm with its baseline tier first and optimises hot functions later: the first few
  // wasm runs are up to ~2x slower, so wasm warms up longer (the first run is reported on its own)
  const forwardWarm = backend === 'wasm' ? 6 : 2;
  if (quick) return { forwardWarm, forwardReps: 5, batchWarm: 1, batchReps: 1, dropReps: 3 };
  return small
    ? { forwardWarm, forwardReps: 15, batchWarm: 1, batchReps: 4, dropReps: 7 }
    : { forwardWarm, forwardReps: 9, batchWarm: 1, batchReps: 3, dropReps: 5 };
}

export const BATCHES = [1, 8, 32];

export interface EngineFigures {
  fixtureMs: number;
  fixtureBytes: number;
  rssAfterFixtureMiB: number;
  loadMs: number;
  trunkSessionMs: number;
  lensSessionMs: number;
  peakRssAfterLoadMiB: number;
  /** Resident set after loading (the peak during loading is higher: buffers copied while sessions start). */
  rssAfterLoadMiB: number;
  /** The first engine.run after loading (cold: what the user waits for first). */
  firstRunMs: number;
  forward: RunStats & { trunkMs: number; lensMs: number };
  batches: Array<{
    batch: number;
    ms: RunStats;
    promptsPerSec: number;
    cpuPerWall: number;
    trunkMs: number;
    lensMs: number;
  }>;
  drop: RunStats & { blocks: number[]; trunkMs: number; lensMs: number };
  peakRssMiB: number;
  /** Filled in by the child process runner. */
  noise?: Noise;
}

export interface PlainFigures {
  fixtureMs: number;
  rssAfterFixtureMiB: number;
  graphBuildMs: number;
  sessionMs: number;
  forward: RunStats & { embedMs: number };
  peakRssMiB: number;
  noise?: Noise;
}

/** A random checkpoint at `shape`, as the engine loads it, and how long making it took. */
export function modelFiles(shape: ModelShape): {
  files: { name: string; config: unknown; safetensors: Uint8Array; tokenizer: unknown };
  ms: number;
} {
  const start = performance.now();
  const fixture = fastGpt2Fixture(shape);
  const ms = performance.now() - start;
  return {
    files: {
      name: shape.name,
      config: fixture.config,
      safetensors: fixture.safetensors,
      tokenizer: tokenizerJsonOnce(),
    },
    ms,
  };
}

export type RunStats = Stats & { cpuPerWall: number; discarded: number };

/** A timing without its per-run values. */
function summary<T>(timed: Timed<T>): RunStats {
  const { values: _values, ...rest } = timed;
  return rest;
}

let dropSeed = 0;

function medianOf(values: number[]): number {
  return stats(values).median;
}

/** The 6 middle blocks a benchmark drop lands on. */
export function dropBlocks(shape: ModelShape): number[] {
  const first = Math.max(0, Math.floor(shape.nLayer / 2) - 3);
  return Array.from({ length: Math.min(6, shape.nLayer) }, (_, i) => first + i);
}

/** FFN 'replace' on 6 middle blocks with a fresh random vector (what dropping a vector on layers does). */
export function dropIntervention(
  shape: ModelShape,
  seed: number,
): { spec: InterventionSpec; blocks: number[] } {
  const blocks = dropBlocks(shape);
  const random = seededRandom(1000 + seed);
  const vector = Float32Array.from({ length: shape.nEmbd }, () => 2 * random() - 1);
  const ffn: NonNullable<InterventionSpec['ffn']> = {};
  for (const b of blocks) ffn[b] = { mode: 'replace', vector };
  return { spec: { positions: 'all', ffn }, blocks };
}

export async function measureEngine(
  shape: ModelShape,
  choice: RuntimeChoice,
  reps: Reps,
  log: (line: string) => void,
): Promise<EngineFigures> {
  const runtime = await loadRuntime(choice);
  const { files, ms: fixtureMs } = modelFiles(shape);
  const rssAfterFixtureMiB = rssMiB();
  log(`fixture ${fixtureMs.toFixed(0)} ms, rss ${rssAfterFixtureMiB.toFixed(0)} MiB`);

  const created: CreatedSession[] = [];
  const ort = instrumentRuntime(runtime.ort, created);
  const loadStart = performance.now();
  const engine = await LensEngine.load(ort, files, runtime.options);
  const loadMs = performance.now() - loadStart;
  const peakRssAfterLoadMiB = maxRssMiB();
  const rssAfterLoadMiB = rssMiB();
  log(
    `load ${loadMs.toFixed(0)} ms (trunk ${created[0]!.ms.toFixed(0)}, lens ${created[1]!.ms.toFixed(0)}); ` +
      `rss ${rssAfterLoadMiB.toFixed(0)} MiB, peak ${peakRssAfterLoadMiB.toFixed(0)} MiB`,
  );

  const prompt = benchPrompt();
  const base: LensRequest = { prompts: [prompt.ids], track: prompt.tracked, topK: 10, capture: true };
  const split = (timed: Timed<LensResult>): { trunkMs: number; lensMs: number } => ({
    trunkMs: medianOf(timed.values.map((r) => r.timings.trunkMs)),
    lensMs: medianOf(timed.values.map((r) => r.timings.lensMs)),
  });
  const firstStart = performance.now();
  await engine.run(base);
  const firstRunMs = performance.now() - firstStart;
  log(`first run ${firstRunMs.toFixed(0)} ms`);
  const forwardRuns = await timeRuns(reps.forwardWarm, reps.forwardReps, () => engine.run(base));
  const forward = { ...summary(forwardRuns), ...split(forwardRuns) };
  log(`forward median ${forward.median.toFixed(1)} ms (${forward.n} runs, ${forward.discarded} discarded)`);

  const batches: EngineFigures['batches'] = [];
  for (const batch of BATCHES) {
    if (batch === 1) {
      batches.push({
        batch,
        ms: forward,
        promptsPerSec: 1000 / forward.median,
        cpuPerWall: forward.cpuPerWall,
        trunkMs: forward.trunkMs,
        lensMs: forward.lensMs,
      });
      continue;
    }
    const request: LensRequest = { ...base, prompts: Array.from({ length: batch }, () => prompt.ids) };
    const timed = await timeRuns(reps.batchWarm, reps.batchReps, () => engine.run(request));
    const entry = {
      batch,
      ms: summary(timed),
      promptsPerSec: (batch * 1000) / timed.median,
      cpuPerWall: timed.cpuPerWall,
      ...split(timed),
    };
    batches.push(entry);
    const parts = `trunk ${entry.trunkMs.toFixed(0)}, lens ${entry.lensMs.toFixed(0)}`;
    log(
      `batch ${batch}: ${timed.median.toFixed(0)} ms (${parts}), ${entry.promptsPerSec.toFixed(2)} prompts/s`,
    );
  }

  let blocks: number[] = [];
  const dropRuns = await timeRuns(1, reps.dropReps, (rep) => {
    // a fresh vector every time, as when the user drops another one
    const iv = dropIntervention(shape, rep + 10 + dropSeed++);
    blocks = iv.blocks;
    return engine.run({ ...base, intervention: iv.spec });
  });
  const drop = { ...summary(dropRuns), ...split(dropRuns), blocks };
  log(`drop median ${drop.median.toFixed(1)} ms`);
  await engine.dispose();
  return {
    fixtureMs,
    fixtureBytes: files.safetensors.byteLength,
    rssAfterFixtureMiB,
    loadMs,
    trunkSessionMs: created[0]!.ms,
    lensSessionMs: created[1]!.ms,
    peakRssAfterLoadMiB,
    rssAfterLoadMiB,
    firstRunMs,
    forward,
    batches,
    drop,
    peakRssMiB: maxRssMiB(),
  };
}

/** What the engine does before a trunk run: embeddings = wte[ids] + wpe[position]. */
export function embed(
  wte: Float32Array,
  wpe: Float32Array,
  batch: number[][],
  seq: number,
  d: number,
): Float32Array {
  const out = new Float32Array(batch.length * seq * d);
  batch.forEach((ids, b) => {
    ids.forEach((id, t) => {
      const row = (b * seq + t) * d;
      const tokenRow = wte.subarray(id * d, id * d + d);
      const positionRow = wpe.subarray(t * d, t * d + d);
      for (let i = 0; i < d; i++) out[row + i] = tokenRow[i]! + positionRow[i]!;
    });
  });
  return out;
}

export interface PlainModel {
  session: InferenceSession;
  graphBuildMs: number;
  sessionMs: number;
  forward(ids: number[][]): Promise<{ logits: Float32Array; embedMs: number }>;
}

export async function createPlain(
  shape: ModelShape,
  safetensors: Uint8Array,
  config: unknown,
  choice: RuntimeChoice,
  extraOptions: InferenceSession.SessionOptions = {},
): Promise<PlainModel> {
  const runtime = await loadRuntime(choice);
  const buildStart = performance.now();
  const file = parseSafetensors(safetensors);
  const gpt2 = parseGpt2Config(config);
  const weights = resolveGpt2Weights(file, gpt2);
  const graph = buildPlainGraph(file, gpt2, weights);
  const graphBuildMs = performance.now() - buildStart;
  const sessionStart = performance.now();
  const session = await runtime.ort.InferenceSession.create(graph.model, {
    executionProviders: runtime.options.executionProviders,
    graphOptimizationLevel: 'all',
    ...runtime.options.sessionOptions,
    ...extraOptions,
    externalData: graph.externalData,
  });
  const sessionMs = performance.now() - sessionStart;
  const wte = tensorAsFloat32(file, weights.wte);
  const wpe = tensorAsFloat32(file, weights.wpe);
  const d = shape.nEmbd;
  const { Tensor } = runtime.ort;
  return {
    session,
    graphBuildMs,
    sessionMs,
    async forward(ids) {
      const embedStart = performance.now();
      const seq = Math.max(...ids.map((p) => p.length));
      const embeddings = new Tensor('float32', embed(wte, wpe, ids, seq, d), [ids.length, seq, d]);
      const embedMs = performance.now() - embedStart;
      const out = await session.run({ [PLAIN.embeddings]: embeddings });
      return { logits: out[PLAIN.logits]!.data as Float32Array, embedMs };
    },
  };
}

export async function measurePlain(
  shape: ModelShape,
  choice: RuntimeChoice,
  reps: Reps,
  log: (line: string) => void,
): Promise<PlainFigures> {
  const fixtureStart = performance.now();
  const fixture = fastGpt2Fixture(shape);
  const fixtureMs = performance.now() - fixtureStart;
  const rssAfterFixtureMiB = rssMiB();
  const plain = await createPlain(shape, fixture.safetensors, fixture.config, choice);
  log(`plain session ${plain.sessionMs.toFixed(0)} ms (graph ${plain.graphBuildMs.toFixed(0)} ms)`);
  const prompt = benchPrompt();
  const runs = await timeRuns(reps.forwardWarm, reps.forwardReps, async () => {
    const { logits, embedMs } = await plain.forward([prompt.ids]);
    if (logits.length !== prompt.ids.length * shape.vocabSize) throw new Error('unexpected logits size');
    return embedMs;
  });
  const forward = summary(runs);
  log(`plain forward median ${forward.median.toFixed(1)} ms`);
  await plain.session.release();
  return {
    fixtureMs,
    rssAfterFixtureMiB,
    graphBuildMs: plain.graphBuildMs,
    sessionMs: plain.sessionMs,
    forward: { ...forward, embedMs: medianOf(runs.values) },
    peakRssMiB: maxRssMiB(),
  };
}

export interface FixtureFigures {
  fastMs: number;
  makeGpt2FixtureMs: number;
  bytes: number;
}

/** The project's makeGpt2Fixture against the bench's fast generator, same shape. */
export function measureFixtures(shape: ModelShape): FixtureFigures {
  let start = performance.now();
  const fast = fastGpt2Fixture(shape);
  const fastMs = performance.now() - start;
  const bytes = fast.safetensors.byteLength;
  start = performance.now();
  makeGpt2Fixture({
    nLayer: shape.nLayer,
    nEmbd: shape.nEmbd,
    nHead: shape.nHead,
    nPositions: shape.nPositions,
  });
  return { fastMs, makeGpt2FixtureMs: performance.now() - start, bytes };
}
