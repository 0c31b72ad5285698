/**
 * The lens engine: one GPT-2 checkpoint, two ONNX sessions (trunk, lens), a queue of runs in which a
 * run's last position goes before the rest of older runs' heatmaps (sessionQueue.ts).
 * Plain TypeScript, no DOM: the browser worker (onnxruntime-web) and the CLI (onnxruntime-node)
 * run this same code.
 */
import { modelTypeOf, parseArchSpec } from '../../models/arch/registry.ts';
import { parseGpt2Config } from '../../models/gpt2/config.ts';
import type { StoredType } from '../../models/gpt2/externalWeights.ts';
import { TRUNK } from '../../models/gpt2/graph.ts';
import { parseSafetensors } from '../../models/safetensors.ts';
import { TextTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { prepareArch } from './archModel.ts';
import {
  BatchDecoding,
  DEFAULT_TOP_K,
  decodeOptions,
  Lens,
  type TrunkOutput,
  throwIfAborted,
} from './decode.ts';
import { prepareGpt2 } from './gpt2Model.ts';
import { interventionArrays } from './interventionTensors.ts';
import type { InferenceSession, OrtRuntime } from './ortRuntime.ts';
import type { ModelShape, PreparedModel } from './preparedModel.ts';
import { SessionQueue } from './sessionQueue.ts';
import { TrunkCache } from './trunkCache.ts';
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

export class LensEngine {
  private readonly queue = new SessionQueue();
  /** Runs and decodes not yet settled: dispose() waits for them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The last few trunk outputs (reuseTrunk). */
  private readonly trunkCache = new TrunkCache();
  private disposed = false;
  private lensRuns: Lens | undefined;

  private constructor(
    private readonly ort: OrtRuntime,
    readonly info: ModelInfo,
    readonly backend: Backend,
    /** The model's shape: layers, width, context, the vocabulary decoded, the residual states. */
    readonly config: ModelShape,
    readonly tokenizer: TextTokenizer,
    private readonly model: PreparedModel,
    private readonly trunk: InferenceSession,
    private readonly lens: InferenceSession,
  ) {}

  /**
   * Builds the sessions from `files`. onnxruntime copies the weights into its own memory (wasm heap,
   * GPU buffers, native), and the engine keeps only copies of the two embedding tables, so the
   * checkpoint's bytes can be dropped once this resolves.
   */
  static async load(ort: OrtRuntime, files: ModelFiles, options: LoadOptions): Promise<LensEngine> {
    const gpt2 = modelTypeOf(files.config) === 'gpt2';
    // config.json is checked before the weights are read, so its errors come first
    if (gpt2) parseGpt2Config(files.config);
    else parseArchSpec(files.config);
    const file = parseSafetensors(files.safetensors);
    const blockWeights = options.blockWeights ?? 'float32';
    // the tokenizer first: a family's lens decodes the tokenizer's tokens, not padded embedding rows
    const tokenizer = TextTokenizer.fromJson(files.tokenizer, { addSpecialTokens: !gpt2 });
    const model = gpt2
      ? prepareGpt2(files.config, file, blockWeights)
      : prepareArch(files.config, file, tokenizer.vocabSize);
    const { trunkGraph, lensGraph } = model;
    const sessionOptions: InferenceSession.SessionOptions = {
      executionProviders: options.executionProviders,
      graphOptimizationLevel: 'all',
      ...options.sessionOptions,
    };
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
    const shape = model.shape;
    const info: ModelInfo = {
      name: files.name,
      modelType: shape.modelType,
      nLayer: shape.nLayer,
      nHead: shape.nHead,
      nEmbd: shape.nEmbd,
      nPositions: shape.nPositions,
      vocabSize: shape.vocabSize,
      states: shape.states.map((state) => ({ ...state })),
      randomWeights: isRandomFixture(files.config),
      parameterCount: model.parameterCount,
      blockWeights: trunkGraph.float16Weights > 0 ? 'float16' : 'float32',
      deviceWeightBytes: model.deviceWeightBytes,
    };
    return new LensEngine(ort, info, options.backend, shape, tokenizer, model, trunk, lens);
  }

  /** What the engine holds, for the debug panel: weights on the device, embedding tables in JS. */
  memory(): { deviceWeightBytes: number; jsBytes: number } {
    return {
      deviceWeightBytes: this.info.deviceWeightBytes ?? 0,
      jsBytes: this.model.jsBytes,
    };
  }

  /** Tokens of a prompt, validated against the context length. */
  /**
   * Tokens of a prompt, validated against the context length: with the BOS the tokenizer's
   * post-processor adds, unless `addSpecialTokens` is false (a continuation, e.g. an answer's text).
   */
  tokenize(text: string, options: { addSpecialTokens?: boolean } = {}): Token[] {
    const ids = this.tokenizer.encode(text, options);
    this.checkPrompt(ids, 0);
    return ids.map((id) => ({ id, text: this.tokenizer.tokenText(id) }));
  }

  tokenText(id: number): string {
    return this.tokenizer.tokenText(id);
  }

  /**
   * Runs are queued: a session never runs two at once (overlapping WebGPU runs fail). With
   * lastPositionFirst, the rest of the heatmap yields to the first part of runs queued meanwhile.
   */
  run(request: LensRequest, options: RunOptions = {}): Promise<LensResult> {
    return this.settling(this.runNow(request, options));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.allSettled([...this.inFlight]);
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

  private settling<T>(job: Promise<T>): Promise<T> {
    this.inFlight.add(job);
    const settled = (): void => void this.inFlight.delete(job);
    job.then(settled, settled);
    return job;
  }

  /** Holds the sessions for `work`, unless the engine was disposed or the run cancelled meanwhile. */
  private hold<T>(
    turn: 'first' | 'rest',
    signal: AbortSignal | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    return this.queue.hold(turn, () => {
      if (this.disposed) throw new EngineError('the engine was disposed', 'no-model');
      throwIfAborted(signal);
      return work();
    });
  }

  private async runNow(request: LensRequest, options: RunOptions): Promise<LensResult> {
    const started = now();
    const { prompts } = request;
    if (!Array.isArray(prompts) || prompts.length === 0) {
      throw new EngineError('a run needs at least one prompt', 'bad-request');
    }
    prompts.forEach((ids, i) => this.checkPrompt(ids, i));
    const lensOptions = decodeOptions(request, this.config);
    const { allPositions } = lensOptions;
    const iv = interventionArrays(request.intervention, this.config.nLayer, this.config.nEmbd);
    const results: PromptResult[] = new Array(prompts.length);
    const timings = { trunkMs: 0, lensMs: 0, totalMs: 0, lastPositionMs: 0 };
    let trunksReused = 0;

    // Group by length so that a batch pads little; results go back to their prompt's index.
    const order = prompts.map((_, i) => i).sort((a, b) => prompts[a]!.length - prompts[b]!.length);
    for (let start = 0; start < order.length; start += MAX_BATCH) {
      const batch = order.slice(start, start + MAX_BATCH);
      const batchPrompts = batch.map((i) => prompts[i]!);
      const { trunkOut, decoded } = await this.hold('first', options.signal, async () => {
        const trunkStart = now();
        let trunkOut = request.reuseTrunk ? this.trunkCache.get(batchPrompts, iv, allPositions) : undefined;
        if (!trunkOut) {
          trunkOut = await this.runTrunk(batchPrompts, iv, allPositions);
          this.trunkCache.put(batchPrompts, iv, allPositions, trunkOut);
        } else trunksReused++;
        timings.trunkMs += now() - trunkStart;
        throwIfAborted(options.signal);
        const decoded = new BatchDecoding(
          this.lensSession(),
          this.config.states,
          trunkOut,
          batch,
          lensOptions,
          options,
        );
        await decoded.first();
        return { trunkOut, decoded };
      });
      timings.lastPositionMs = now() - started;
      await decoded.rest((work) => this.hold('rest', options.signal, work));
      timings.lensMs += decoded.lensMs;
      batch.forEach((promptIndex, b) => {
        const ids = prompts[promptIndex]!;
        const byPosition = decoded.out[b]!;
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

  private lensSession(): Lens {
    this.lensRuns ??= new Lens(this.ort, this.lens, this.config, (id) => this.tokenizer.tokenText(id));
    return this.lensRuns;
  }

  /**
   * Decodes arbitrary d_model vectors through ln_f and the unembedding (the lens session): e.g. the
   * tokens an o-vector promotes on its own.
   */
  decodeVectors(
    vectors: Float32Array[],
    topK = DEFAULT_TOP_K,
  ): Promise<Array<{ top: TopEntry[]; entropy: number }>> {
    const job = this.hold('first', undefined, async () => {
      const d = this.config.nEmbd;
      if (vectors.length === 0) return [];
      for (const v of vectors) {
        if (v.length !== d) {
          throw new EngineError(`vector has ${v.length} values, the model's d_model is ${d}`, 'bad-vector');
        }
      }
      const decoded = await this.lensSession().run(
        vectors,
        vectors.map(() => []),
        Math.min(topK, this.config.vocabSize),
      );
      return decoded.map(({ top, entropy }) => ({ top, entropy }));
    });
    return this.settling(job);
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
      [TRUNK.embeddings]: new Tensor('float32', this.model.embed(batch, T), [B, T, d]),
      ...this.model.extraFeeds(T, Tensor),
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

  private captureOf(trunkOut: TrunkOutput, b: number): Capture {
    const { nLayer: L, nEmbd: d } = this.config;
    const slice = (data: Float32Array): Float32Array[] =>
      Array.from({ length: L }, (_, l) => data.slice((b * L + l) * d, (b * L + l + 1) * d));
    return { ffn: slice(trunkOut.ffnOut), attn: slice(trunkOut.attnOut) };
  }
}

function now(): number {
  return performance.now();
}

function isRandomFixture(config: unknown): boolean {
  return typeof config === 'object' && config !== null && 'lenslab_fixture' in config;
}

/** Session config that keeps float16 weights' Cast nodes from being folded into float32 constants. */
const KEEP_FLOAT16_CASTS = { 'optimization.disable_specified_optimizers': 'ConstantFolding' };
