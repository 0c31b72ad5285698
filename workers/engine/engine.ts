/**
 * The lens engine: one GPT-2 checkpoint, two ONNX sessions (trunk, lens), a queue of runs.
 * Plain TypeScript, no DOM: the browser worker (onnxruntime-web) and the CLI (onnxruntime-node)
 * run this same code.
 */
import { describeResidualState, type Gpt2Config, parseGpt2Config } from '../../models/gpt2/config.ts';
import type { StoredType } from '../../models/gpt2/externalWeights.ts';
import { buildLensGraph, buildTrunkGraph, LENS, TRUNK } from '../../models/gpt2/graph.ts';
import { type Gpt2Weights, resolveGpt2Weights } from '../../models/gpt2/weights.ts';
import { parseSafetensors, tensorAsFloat32 } from '../../models/safetensors.ts';
import { TextTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { type InterventionArrays, interventionArrays } from './interventionTensors.ts';
import type { InferenceSession, OrtRuntime } from './ortRuntime.ts';
import {
  type Backend,
  type Capture,
  EngineError,
  type LensRequest,
  type LensResult,
  type ModelFiles,
  type ModelInfo,
  type PromptResult,
  type StateResult,
  type Token,
  type TopEntry,
} from './types.ts';

export interface LoadOptions {
  /** onnxruntime execution providers, in order of preference (e.g. ['webgpu'], ['wasm'], ['cpu']). */
  executionProviders: string[];
  /** What to report as the backend that runs. */
  backend: Backend;
  /** Extra session options (threads, logging). */
  sessionOptions?: InferenceSession.SessionOptions;
  /** How the blocks' matrices are held on the device (default float32); see GraphOptions. */
  blockWeights?: StoredType;
  /** Called between the load's steps (sessions built one after the other), for progress. */
  onStep?: (step: LoadStep) => void;
}

export type LoadStep = 'trunk-session' | 'lens-session' | 'warm-up';

export interface RunOptions {
  /** Called for each decoded state as soon as its lens chunk is done. */
  onState?: (state: StateResult) => void;
  /** Called after each lens chunk with every state it decoded (all positions): heatmap rows. */
  onChunk?: (states: StateResult[]) => void;
  signal?: AbortSignal;
}

/** Prompts per trunk run; larger batches are split. */
const MAX_BATCH = 32;
/** Rows (state x position x prompt) per lens run: bounds the [rows, vocab] logits and rank tensors. */
const MAX_LENS_ROWS = 256;
const DEFAULT_TOP_K = 10;
const TRUNK_CACHE_ENTRIES = 4;

export class LensEngine {
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * The last few trunk outputs: re-decoding the same prompt and interventions with other tracked
   * tokens or top-k (as the app does once it knows the answer token) skips the forward pass.
   */
  private readonly trunkCache = new Map<string, { iv: InterventionArrays; output: TrunkOutput }>();
  private disposed = false;

  private constructor(
    private readonly ort: OrtRuntime,
    readonly info: ModelInfo,
    readonly backend: Backend,
    readonly config: Gpt2Config,
    readonly tokenizer: TextTokenizer,
    private readonly wte: Float32Array,
    private readonly wpe: Float32Array,
    private readonly trunk: InferenceSession,
    private readonly lens: InferenceSession,
  ) {}

  /**
   * Builds the sessions from `files`. onnxruntime copies the weights into its own memory (wasm heap,
   * GPU buffers, native), and the engine keeps only copies of the two embedding tables, so the
   * checkpoint's bytes can be dropped once this resolves.
   */
  static async load(ort: OrtRuntime, files: ModelFiles, options: LoadOptions): Promise<LensEngine> {
    const config = parseGpt2Config(files.config);
    const file = parseSafetensors(files.safetensors);
    const weights = resolveGpt2Weights(file, config);
    const tokenizer = TextTokenizer.fromJson(files.tokenizer);
    const blockWeights = options.blockWeights ?? 'float32';
    const sessionOptions: InferenceSession.SessionOptions = {
      executionProviders: options.executionProviders,
      graphOptimizationLevel: 'all',
      ...options.sessionOptions,
    };
    const trunkGraph = buildTrunkGraph(file, config, weights, { blockWeights });
    const lensGraph = buildLensGraph(file, config, weights);
    // sequential, not parallel: two sessions initialising at once double the peak memory
    options.onStep?.('trunk-session');
    const trunk = await ort.InferenceSession.create(trunkGraph.model, {
      ...sessionOptions,
      // constant folding would cast float16 weights back to float32 at load, undoing the saving
      ...(trunkGraph.float16Weights > 0 ? { extra: { ...sessionOptions.extra, ...KEEP_FLOAT16_CASTS } } : {}),
      externalData: trunkGraph.externalData,
    });
    options.onStep?.('lens-session');
    const lens = await ort.InferenceSession.create(lensGraph.model, {
      ...sessionOptions,
      externalData: lensGraph.externalData,
    }).catch(async (error: unknown) => {
      await trunk.release();
      throw error;
    });
    const info: ModelInfo = {
      name: files.name,
      modelType: 'gpt2',
      nLayer: config.nLayer,
      nHead: config.nHead,
      nEmbd: config.nEmbd,
      nPositions: config.nPositions,
      vocabSize: config.vocabSize,
      randomWeights: isRandomFixture(files.config),
      parameterCount: countParameters(weights),
      blockWeights: trunkGraph.float16Weights > 0 ? 'float16' : 'float32',
      deviceWeightBytes: deviceWeightBytes(weights, trunkGraph.float16Weights > 0 ? blockWeights : 'float32'),
    };
    // copies: a view would keep the whole checkpoint piece alive for two small tables
    const wte = tensorAsFloat32(file, weights.wte).slice();
    const wpe = tensorAsFloat32(file, weights.wpe).slice();
    return new LensEngine(ort, info, options.backend, config, tokenizer, wte, wpe, trunk, lens);
  }

  /** What the engine holds, for the debug panel: weights on the device, embedding tables in JS. */
  memory(): { deviceWeightBytes: number; jsBytes: number } {
    return {
      deviceWeightBytes: this.info.deviceWeightBytes ?? 0,
      jsBytes: this.wte.byteLength + this.wpe.byteLength,
    };
  }

  /** Tokens of a prompt, validated against the context length. */
  tokenize(text: string): Token[] {
    const ids = this.tokenizer.encode(text);
    this.checkPrompt(ids, 0);
    return ids.map((id) => ({ id, text: this.tokenizer.tokenText(id) }));
  }

  tokenText(id: number): string {
    return this.tokenizer.tokenText(id);
  }

  /** Runs are queued: a session never runs two at once (overlapping WebGPU runs fail). */
  run(request: LensRequest, options: RunOptions = {}): Promise<LensResult> {
    const job = this.queue.then(() => {
      if (this.disposed) throw new EngineError('the engine was disposed', 'no-model');
      throwIfAborted(options.signal);
      return this.runNow(request, options);
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.queue;
    await this.trunk.release();
    await this.lens.release();
  }

  private checkPrompt(ids: number[], index: number): void {
    const which = index === 0 ? 'the prompt' : `prompt ${index}`;
    if (ids.length === 0) throw new EngineError(`${which} is empty: type at least one token`, 'empty-prompt');
    if (ids.length > this.config.nPositions) {
      throw new EngineError(
        `${which} has ${ids.length} tokens; ${this.info.name} takes at most ${this.config.nPositions} (n_positions)`,
        'prompt-too-long',
      );
    }
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) {
        throw new EngineError(
          `${which}: token id ${id} is outside the vocabulary (0-${this.config.vocabSize - 1})`,
          'bad-token',
        );
      }
    }
  }

  private async runNow(request: LensRequest, options: RunOptions): Promise<LensResult> {
    const started = now();
    const { prompts } = request;
    if (!Array.isArray(prompts) || prompts.length === 0) {
      throw new EngineError('a run needs at least one prompt', 'bad-request');
    }
    prompts.forEach((ids, i) => this.checkPrompt(ids, i));
    const tracked = prompts.map((_, i) => this.trackedFor(request, i));
    const topK = request.topK ?? DEFAULT_TOP_K;
    if (!Number.isInteger(topK) || topK < 1 || topK > this.config.vocabSize) {
      throw new EngineError(`top-k must be an integer from 1 to ${this.config.vocabSize}`, 'bad-request');
    }
    const allPositions = (request.positions ?? 'last') === 'all';
    if (request.positions !== undefined && request.positions !== 'last' && request.positions !== 'all') {
      throw new EngineError(`positions must be "last" or "all"`, 'bad-request');
    }
    const iv = interventionArrays(request.intervention, this.config.nLayer, this.config.nEmbd);
    const results: PromptResult[] = new Array(prompts.length);
    const timings = { trunkMs: 0, lensMs: 0, totalMs: 0 };
    let trunksReused = 0;

    // Group by length so that a batch pads little; results go back to their prompt's index.
    const order = prompts.map((_, i) => i).sort((a, b) => prompts[a]!.length - prompts[b]!.length);
    for (let start = 0; start < order.length; start += MAX_BATCH) {
      const batch = order.slice(start, start + MAX_BATCH);
      const trunkStart = now();
      const batchPrompts = batch.map((i) => prompts[i]!);
      const key = trunkKey(batchPrompts, iv, allPositions);
      // a last-position request can also read its rows from a cached every-position trunk
      let trunkOut = request.reuseTrunk
        ? (this.cachedTrunk(key, iv) ??
          (allPositions ? undefined : this.cachedTrunk(trunkKey(batchPrompts, iv, true), iv)))
        : undefined;
      if (!trunkOut) {
        trunkOut = await this.runTrunk(batchPrompts, iv, allPositions);
        this.remember(key, { iv, output: trunkOut });
      } else trunksReused++;
      timings.trunkMs += now() - trunkStart;
      throwIfAborted(options.signal);
      const lensStart = now();
      const decoded = await this.decode(
        batch,
        prompts,
        trunkOut,
        tracked,
        topK,
        allPositions,
        request,
        options,
      );
      timings.lensMs += now() - lensStart;
      batch.forEach((promptIndex, b) => {
        const ids = prompts[promptIndex]!;
        const byPosition = decoded[b]!;
        const result: PromptResult = {
          tokens: ids.map((id) => ({ id, text: this.tokenizer.tokenText(id) })),
          states: byPosition[byPosition.length - 1]!,
        };
        if (allPositions) result.byPosition = byPosition;
        if (request.capture) result.capture = this.captureOf(trunkOut, b);
        results[promptIndex] = result;
      });
    }
    timings.totalMs = now() - started;
    return {
      model: this.info,
      backend: this.backend,
      prompts: results,
      timings,
      ...(trunksReused > 0 ? { trunksReused } : {}),
    };
  }

  private cachedTrunk(key: string, iv: InterventionArrays): TrunkOutput | undefined {
    const cached = this.trunkCache.get(key);
    // the key's hash could collide: a hit must hold the very same intervention tensors
    return cached && sameInterventions(cached.iv, iv) ? cached.output : undefined;
  }

  private remember(key: string, entry: { iv: InterventionArrays; output: TrunkOutput }): void {
    this.trunkCache.delete(key);
    this.trunkCache.set(key, entry);
    while (this.trunkCache.size > TRUNK_CACHE_ENTRIES)
      this.trunkCache.delete(this.trunkCache.keys().next().value!);
  }

  /**
   * Decodes arbitrary d_model vectors through ln_f and the unembedding (the lens session): e.g. the
   * tokens an o-vector promotes on its own.
   */
  decodeVectors(
    vectors: Float32Array[],
    topK = DEFAULT_TOP_K,
  ): Promise<Array<{ top: TopEntry[]; entropy: number }>> {
    const job = this.queue.then(async () => {
      const d = this.config.nEmbd;
      if (vectors.length === 0) return [];
      for (const v of vectors) {
        if (v.length !== d) {
          throw new EngineError(`vector has ${v.length} values, the model's d_model is ${d}`, 'bad-vector');
        }
      }
      const { Tensor } = this.ort;
      const N = vectors.length;
      const rows = new Float32Array(N * d);
      vectors.forEach((v, i) => rows.set(v, i * d));
      const k = Math.min(topK, this.config.vocabSize);
      const out = await this.lens.run({
        [LENS.residual]: new Tensor('float32', rows, [N, d]),
        [LENS.trackedIds]: new Tensor('int64', new BigInt64Array(N), [N, 1]),
        [LENS.topK]: new Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]),
      });
      const ids = out[LENS.topIds]!.data as BigInt64Array;
      const probs = out[LENS.topProb]!.data as Float32Array;
      const entropy = out[LENS.entropy]!.data as Float32Array;
      return vectors.map((_, n) => ({
        top: Array.from({ length: k }, (_, j) => {
          const id = Number(ids[n * k + j]!);
          return { id, token: this.tokenizer.tokenText(id), prob: probs[n * k + j]! };
        }),
        entropy: entropy[n]!,
      }));
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  private trackedFor(request: LensRequest, index: number): number[] {
    const track = request.track;
    if (!track || track.length === 0) return [];
    const list = Array.isArray(track[0]) ? ((track as number[][])[index] ?? []) : (track as number[]);
    for (const id of list) {
      if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) {
        throw new EngineError(
          `tracked token id ${id} is outside the vocabulary (0-${this.config.vocabSize - 1})`,
          'bad-token',
        );
      }
    }
    return list;
  }

  private embed(batch: number[][], seq: number): Float32Array {
    const d = this.config.nEmbd;
    const out = new Float32Array(batch.length * seq * d);
    batch.forEach((ids, b) => {
      ids.forEach((id, t) => {
        const row = (b * seq + t) * d;
        const tokenRow = this.wte.subarray(id * d, id * d + d);
        const positionRow = this.wpe.subarray(t * d, t * d + d);
        for (let i = 0; i < d; i++) out[row + i] = tokenRow[i]! + positionRow[i]!;
      });
    });
    return out;
  }

  private async runTrunk(
    batch: number[][],
    iv: ReturnType<typeof interventionArrays>,
    allPositions: boolean,
  ): Promise<TrunkOutput> {
    const { Tensor } = this.ort;
    const { nLayer: L, nEmbd: d } = this.config;
    const B = batch.length;
    const T = Math.max(...batch.map((ids) => ids.length));
    const mask = new Float32Array(B * T);
    const last = new BigInt64Array(B);
    batch.forEach((ids, b) => {
      last[b] = BigInt(ids.length - 1);
      if (iv.scope === 'all') mask.fill(1, b * T, b * T + ids.length);
      else mask[b * T + ids.length - 1] = 1;
    });
    const P = allPositions ? T : 1;
    const positions = new BigInt64Array(B * P);
    batch.forEach((ids, b) => {
      for (let p = 0; p < P; p++)
        positions[b * P + p] = BigInt(allPositions ? Math.min(p, ids.length - 1) : ids.length - 1);
    });
    const feeds = {
      [TRUNK.embeddings]: new Tensor('float32', this.embed(batch, T), [B, T, d]),
      [TRUNK.attnKeep]: new Tensor('float32', iv.attnKeep, [L]),
      [TRUNK.attnAdd]: new Tensor('float32', iv.attnAdd, [L, d]),
      [TRUNK.ffnKeep]: new Tensor('float32', iv.ffnKeep, [L]),
      [TRUNK.ffnAdd]: new Tensor('float32', iv.ffnAdd, [L, d]),
      [TRUNK.interveneMask]: new Tensor('float32', mask, [B, T]),
      [TRUNK.lastIndex]: new Tensor('int64', last, [B]),
      [TRUNK.lensPositions]: new Tensor('int64', positions, [B, P]),
    };
    const out = await this.trunk.run(feeds);
    return {
      residual: out[TRUNK.residual]!.data as Float32Array,
      ffnOut: out[TRUNK.ffnOut]!.data as Float32Array,
      attnOut: out[TRUNK.attnOut]!.data as Float32Array,
      batch: B,
      positions: P,
      lengths: batch.map((ids) => ids.length),
    };
  }

  /** Decodes every (prompt, state, position) row, state-major so that whole states finish early. */
  private async decode(
    batch: number[],
    prompts: number[][],
    trunkOut: TrunkOutput,
    tracked: number[][],
    topK: number,
    allPositions: boolean,
    request: LensRequest,
    options: RunOptions,
  ): Promise<StateResult[][][]> {
    const { Tensor } = this.ort;
    const d = this.config.nEmbd;
    const S = 2 * this.config.nLayer + 1;
    const { batch: B, positions: P } = trunkOut;
    // rows of one state: every prompt's real positions
    const rowsOfState: Array<[number, number]> = [];
    for (let b = 0; b < B; b++) {
      const count = allPositions ? trunkOut.lengths[b]! : 1;
      for (let p = 0; p < count; p++) rowsOfState.push([b, p]);
    }
    const perChunk = Math.max(
      1,
      Math.min(request.statesPerChunk ?? S, Math.floor(MAX_LENS_ROWS / Math.max(1, rowsOfState.length)) || 1),
    );
    const K = Math.max(1, ...batch.map((i) => tracked[i]!.length));
    const out: StateResult[][][] = Array.from({ length: B }, (_, b) =>
      Array.from({ length: allPositions ? trunkOut.lengths[b]! : 1 }, () => new Array<StateResult>(S)),
    );
    for (let s0 = 0; s0 < S; s0 += perChunk) {
      throwIfAborted(options.signal);
      const states = Math.min(perChunk, S - s0);
      // a single state can still exceed the row cap with long prompts: split rows too
      const rows: Array<[number, number, number]> = [];
      for (let s = s0; s < s0 + states; s++) for (const [b, p] of rowsOfState) rows.push([s, b, p]);
      for (let r0 = 0; r0 < rows.length; r0 += MAX_LENS_ROWS) {
        const chunk = rows.slice(r0, r0 + MAX_LENS_ROWS);
        const N = chunk.length;
        const residual = new Float32Array(N * d);
        const trackedIds = new BigInt64Array(N * K);
        chunk.forEach(([s, b, p], n) => {
          // rows of a last-position request sit at p = 0, or at the prompt's last position when
          // they come from a cached every-position trunk
          const at = allPositions || P === 1 ? p : trunkOut.lengths[b]! - 1;
          const from = ((b * S + s) * P + at) * d;
          residual.set(trunkOut.residual.subarray(from, from + d), n * d);
          tracked[batch[b]!]!.forEach((id, k) => {
            trackedIds[n * K + k] = BigInt(id);
          });
        });
        const result = await this.lens.run({
          [LENS.residual]: new Tensor('float32', residual, [N, d]),
          [LENS.trackedIds]: new Tensor('int64', trackedIds, [N, K]),
          [LENS.topK]: new Tensor('int64', BigInt64Array.from([BigInt(topK)]), [1]),
        });
        const topIds = result[LENS.topIds]!.data as BigInt64Array;
        const topProb = result[LENS.topProb]!.data as Float32Array;
        const rank = result[LENS.trackedRank]!.data as Float32Array;
        const trackedProb = result[LENS.trackedProb]!.data as Float32Array;
        const entropy = result[LENS.entropy]!.data as Float32Array;
        chunk.forEach(([s, b, p], n) => {
          const promptIndex = batch[b]!;
          const position = allPositions ? p : prompts[promptIndex]!.length - 1;
          const top = [];
          for (let j = 0; j < topK; j++) {
            const id = Number(topIds[n * topK + j]!);
            top.push({ id, token: this.tokenizer.tokenText(id), prob: topProb[n * topK + j]! });
          }
          const state: StateResult = {
            prompt: promptIndex,
            ...describeResidualState(s),
            position,
            top,
            tracked: tracked[promptIndex]!.map((id, k) => ({
              id,
              token: this.tokenizer.tokenText(id),
              rank: rank[n * K + k]!,
              prob: trackedProb[n * K + k]!,
            })),
            entropy: entropy[n]!,
          };
          out[b]![p]![s] = state;
        });
        options.onChunk?.(chunk.map(([s, b, p]) => out[b]![p]![s]!));
        if (options.onState) {
          for (const [s, b, p] of chunk) {
            const lastP = allPositions ? trunkOut.lengths[b]! - 1 : 0;
            // stream what the views draw row by row: the last position of each state
            if (p === lastP) options.onState(out[b]![p]![s]!);
          }
        }
      }
    }
    return out;
  }

  private captureOf(trunkOut: TrunkOutput, b: number): Capture {
    const { nLayer: L, nEmbd: d } = this.config;
    const slice = (data: Float32Array): Float32Array[] =>
      Array.from({ length: L }, (_, l) => data.slice((b * L + l) * d, (b * L + l + 1) * d));
    return { ffn: slice(trunkOut.ffnOut), attn: slice(trunkOut.attnOut) };
  }
}

interface TrunkOutput {
  residual: Float32Array; // [B, S, P, d]
  ffnOut: Float32Array; // [B, L, d]
  attnOut: Float32Array;
  batch: number;
  positions: number;
  lengths: number[];
}

/** Identifies a trunk run: the prompts, the intervention tensors (hashed) and the positions mode. */
function trunkKey(prompts: number[][], iv: ReturnType<typeof interventionArrays>, all: boolean): string {
  let hash = 0x811c9dc5;
  for (const array of [iv.attnKeep, iv.attnAdd, iv.ffnKeep, iv.ffnAdd]) {
    const bits = new Uint32Array(array.buffer, array.byteOffset, array.length);
    for (let i = 0; i < bits.length; i++) hash = Math.imul(hash ^ bits[i]!, 0x01000193);
  }
  return `${all ? 'all' : 'last'}|${iv.scope}|${hash >>> 0}|${prompts.map((p) => p.join(',')).join(';')}`;
}

function sameInterventions(a: InterventionArrays, b: InterventionArrays): boolean {
  const same = (x: Float32Array, y: Float32Array) =>
    x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return (
    a.scope === b.scope &&
    same(a.attnKeep, b.attnKeep) &&
    same(a.ffnKeep, b.ffnKeep) &&
    same(a.attnAdd, b.attnAdd) &&
    same(a.ffnAdd, b.ffnAdd)
  );
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('the run was cancelled', 'cancelled');
}

function now(): number {
  return performance.now();
}

function isRandomFixture(config: unknown): boolean {
  return typeof config === 'object' && config !== null && 'lenslab_fixture' in config;
}

/** Session config that keeps float16 weights' Cast nodes from being folded into float32 constants. */
const KEEP_FLOAT16_CASTS = { 'optimization.disable_specified_optimizers': 'ConstantFolding' };

/** Bytes the sessions hold for the weights: trunk (blocks, final norm) and lens (unembedding). */
function deviceWeightBytes(weights: Gpt2Weights, blocks: StoredType): number {
  const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
  const matrices = new Set(['attnQkvWeight', 'attnProjWeight', 'mlpFcWeight', 'mlpProjWeight']);
  let bytes = 4 * (size(weights.lmHead.shape) + 2 * size(weights.lnFWeight.shape));
  for (const block of weights.blocks) {
    for (const [key, info] of Object.entries(block)) {
      bytes += size(info.shape) * (matrices.has(key) && blocks === 'float16' ? 2 : 4);
    }
  }
  return bytes;
}

function countParameters(weights: Gpt2Weights): number {
  const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
  let total = size(weights.wte.shape) + size(weights.wpe.shape) + 2 * size(weights.lnFWeight.shape);
  for (const block of weights.blocks) for (const info of Object.values(block)) total += size(info.shape);
  if (!weights.lmHeadTied) total += size(weights.lmHead.shape);
  return total;
}
