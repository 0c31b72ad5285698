/**
 * Types shared by the experiments (Figures 3, 5 and 7 of the paper at data-set scale). Plain data in
 * and out (structured-clonable), so the app's worker and the CLI run the same code. No DOM, no ORT.
 */
import type { RunOptions } from '../engine/engine.ts';
import type { LensRequest, LensResult, ModelInfo, Token } from '../engine/types.ts';

/** What an experiment needs of an engine: the LensEngine satisfies it as it is. */
export interface ExperimentEngine {
  readonly info: ModelInfo;
  /**
   * Tokens of a text, validated against the context length (throws EngineError otherwise); with
   * `addSpecialTokens: false`, without the BOS some tokenizers add (Llama).
   */
  tokenize(text: string, options?: { addSpecialTokens?: boolean }): Token[];
  run(request: LensRequest, options?: Pick<RunOptions, 'signal'>): Promise<LensResult>;
}

/** One row of a data set, as the data file gives it. */
export interface Example {
  /** From the data, else the row's line number. */
  id: string | number;
  prompt: string;
  /** The expected continuation as given, with its leading space (" Warsaw"). */
  answer: string;
  /** The input token the model should surface first (" Poland"), if the data names one. */
  argument?: string;
}

export interface ExampleSet {
  /** e.g. "builtin:world-capitals" or a file name. */
  name: string;
  examples: Example[];
  /**
   * 'distinct-first-token': drop examples whose argument and answer start with the same token under
   * the model's tokenizer (the paper's past-tense filter); applied at experiment time.
   */
  filter?: 'distinct-first-token';
}

/** A token and its text as the model sees it. */
export interface TokenRef {
  id: number;
  token: string;
}

/** An example as the model sees it: token ids, and the first token of the answer and argument. */
export interface PreparedExample {
  id: string | number;
  ids: number[];
  answer: TokenRef;
  argument: TokenRef | null;
}

/** An example left out of a run, and why (never silently). */
export interface SkippedExample {
  id: string | number;
  reason: string;
}

export interface Progress {
  /** Units finished, including those resumed from earlier results. */
  done: number;
  total: number;
  /** Examples for the figures; block ranges for the sweep (each a run of its whole sample). */
  unit: 'examples' | 'cells';
  /** Units finished in this run per second of this run (resumed ones excluded). */
  perSecond: number;
  /** Seconds left at the current rate; null before the first batch finishes. */
  etaSeconds: number | null;
}

/** How a run is driven: batches, progress, cancel and resume. */
export interface RunControl<R> {
  /** Prompts per engine run (default 32, the engine's own batch). */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** The results each batch finished, as soon as it finished (for persisting them). */
  onResults?: (results: R[]) => void;
  /** Results of an earlier run with the same key (experimentKey): those examples are not run again. */
  resume?: readonly R[];
}

/** Sublayer of a block that an intervention targets. */
export type Sublayer = 'ffn' | 'attn';

/** Inclusive block range, 0-based as in the paper (gpt2-medium: blocks 0-23). */
export interface BlockRange {
  from: number;
  to: number;
}
