/**
 * `lenslab experiment stages|ovector|ablate ...` and `lenslab experiment --list-data`: the paper's
 * Figures 3, 5 and 7 over a data set, through the same experiments module as the app. One JSON object
 * on stdout; errors as for `lenslab lens` (the caller prints them as one line).
 */
import { parseArgs } from 'node:util';
import { configShape } from '../models/arch/registry.ts';
import { LensEngine } from '../workers/engine/engine.ts';
import { runAblation } from '../workers/experiments/ablationExperiment.ts';
import { parseBlockRange } from '../workers/experiments/blocks.ts';
import { datasetHash } from '../workers/experiments/data/datasetHash.ts';
import { runOvector } from '../workers/experiments/ovectorExperiment.ts';
import { runStages } from '../workers/experiments/stagesExperiment.ts';
import type { ExampleSet, Progress, RunControl } from '../workers/experiments/types.ts';
import { listBuiltinData, readExampleSet } from './experimentData.ts';
import { CliError, readModelDir } from './modelDir.ts';
import { type NodeBackend, nodeRuntime } from './runtimes.ts';
import { readVectorFile } from './vectors.ts';

export const EXPERIMENT_USAGE = `       lenslab experiment stages  --model <dir> --data <file.jsonl|file.csv|builtin:NAME> [--limit N] --json
       lenslab experiment ovector --model <dir> --data ... --vector <file.npy|file.json> [--blocks A-B]
                          [--sublayer ffn|attn] [--mode replace|add] [--scale S] [--positions all|last] --json
       lenslab experiment ablate  --model <dir> --data ... [--steps K] [--sublayer ffn|attn] --json
       lenslab experiment --list-data
       (each experiment also takes [--batch N] [--progress] [--backend cpu|webgpu|wasm] [--threads N])`;

const KINDS = ['stages', 'ovector', 'ablate'] as const;
type Kind = (typeof KINDS)[number];
/** Options that only one experiment reads: given to another, they would be silently ignored. */
const ONLY_FOR: Record<string, Kind[]> = {
  vector: ['ovector'],
  blocks: ['ovector'],
  mode: ['ovector'],
  scale: ['ovector'],
  positions: ['ovector'],
  sublayer: ['ovector', 'ablate'],
  steps: ['ablate'],
};
const BACKENDS: readonly NodeBackend[] = ['cpu', 'webgpu', 'wasm'];

export async function experiment(args: string[]): Promise<{ output: unknown; notes: string[] }> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values['list-data']) return { output: listBuiltinData(), notes: [] };
  const [kind, ...extra] = positionals;
  if (!KINDS.includes(kind as Kind)) {
    throw new CliError(
      `experiment: give one of ${KINDS.join(', ')} (or --list-data); got ${JSON.stringify(kind ?? '')}`,
    );
  }
  if (extra.length) throw new CliError(`experiment: unexpected argument ${JSON.stringify(extra[0])}`);
  for (const [option, kinds] of Object.entries(ONLY_FOR)) {
    if (values[option as keyof typeof values] !== undefined && !kinds.includes(kind as Kind)) {
      throw new CliError(`--${option} is an option of ${kinds.join(' and ')}, not of ${kind}`);
    }
  }
  if (!values.model) throw new CliError('--model <dir> is required');
  if (!values.data) throw new CliError('--data <file.jsonl|file.csv|builtin:NAME> is required');
  if (!values.json) throw new CliError('--json is required (JSON is the only output format)');
  const backend = (values.backend ?? 'cpu') as NodeBackend;
  if (!BACKENDS.includes(backend)) throw new CliError(`--backend must be one of ${BACKENDS.join(', ')}`);
  const threads = optionalInteger(values.threads, '--threads', 1);
  const batchSize = optionalInteger(values.batch, '--batch', 1);
  const limit = optionalInteger(values.limit, '--limit', 1);

  // everything that can be checked without the engine is checked before the (slow) model load
  const full = readExampleSet(values.data);
  const set: ExampleSet = limit === undefined ? full : { ...full, examples: full.examples.slice(0, limit) };
  const { files, tokenizerNote } = readModelDir(values.model);
  const config = configShape(files.config);
  const run = kindRunner(kind as Kind, values, config);
  const started = performance.now();
  const { ort, options } = await nodeRuntime(backend, threads);
  const engine = await LensEngine.load(ort, files, options);
  try {
    const states = engine.info.states?.length ?? 2 * engine.info.nLayer + 1;
    if (states !== 2 * engine.info.nLayer + 1) {
      // the experiments' stage detection reads state 2i+1 as block i's attention, which parallel blocks lack
      throw new CliError(
        `experiments need sequential blocks (2L+1 states); ${files.name} (${engine.info.modelType}) has parallel blocks, ${states} states`,
      );
    }
    const control: SharedControl = {
      ...(batchSize ? { batchSize } : {}),
      ...(values.progress ? { onProgress: printProgress } : {}),
    };
    const loadedMs = performance.now() - started;
    const result = await run(engine, set, control);
    return {
      output: {
        ...result,
        backend: engine.backend,
        data: { ...result.data, hash: await datasetHash(set.examples) },
        timings: { loadMs: loadedMs, runMs: performance.now() - started - loadedMs },
      },
      notes: tokenizerNote ? [tokenizerNote] : [],
    };
  } finally {
    await engine.dispose();
  }
}

type Values = ReturnType<typeof parse>['values'];
/** The part of a run's control that does not depend on the experiment's result type. */
type SharedControl = Pick<RunControl<unknown>, 'batchSize' | 'onProgress'>;
type Runner = (engine: LensEngine, set: ExampleSet, control: SharedControl) => Promise<{ data: object }>;

/** The experiment to run, its options checked against the model's config. */
function kindRunner(kind: Kind, values: Values, config: { nLayer: number; nEmbd: number }): Runner {
  const sublayer = values.sublayer ?? 'ffn';
  if (sublayer !== 'ffn' && sublayer !== 'attn') throw new CliError('--sublayer must be ffn or attn');
  if (kind === 'stages') return (engine, set, control) => runStages(engine, set, control);
  if (kind === 'ablate') {
    const steps = optionalInteger(values.steps, '--steps', 1) ?? 6;
    return (engine, set, control) => runAblation(engine, set, { steps, sublayer }, control);
  }
  if (!values.vector) throw new CliError('ovector: --vector <file.npy|file.json> is required');
  const vector = readVectorFile(values.vector, config.nEmbd);
  const mode = values.mode ?? 'replace';
  if (mode !== 'replace' && mode !== 'add') throw new CliError('--mode must be replace or add');
  const positions = values.positions ?? 'all';
  if (positions !== 'all' && positions !== 'last') throw new CliError('--positions must be all or last');
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!Number.isFinite(scale)) throw new CliError(`--scale: ${JSON.stringify(values.scale)} is not a number`);
  if (values.scale !== undefined && mode !== 'add') throw new CliError('--scale needs --mode add');
  let blocks: ReturnType<typeof parseBlockRange> | undefined;
  try {
    blocks = values.blocks === undefined ? undefined : parseBlockRange(values.blocks, config.nLayer);
  } catch (error) {
    throw new CliError(`--blocks: ${(error as Error).message}`);
  }
  const settings = { vector, sublayer, mode, scale, positions, ...(blocks ? { blocks } : {}) } as const;
  return (engine, set, control) => runOvector(engine, set, settings, control);
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      limit: { type: 'string' },
      batch: { type: 'string' },
      vector: { type: 'string' },
      blocks: { type: 'string' },
      sublayer: { type: 'string' },
      mode: { type: 'string' },
      scale: { type: 'string' },
      positions: { type: 'string' },
      steps: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      progress: { type: 'boolean' },
      'list-data': { type: 'boolean' },
      json: { type: 'boolean' },
      debug: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
}

function optionalInteger(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new CliError(`${flag}: ${JSON.stringify(text)} is not an integer >= ${min}`);
  }
  return Number(text);
}

function printProgress(p: Progress): void {
  const eta = p.etaSeconds === null ? '' : `, ETA ${Math.round(p.etaSeconds)} s`;
  process.stderr.write(`lenslab: ${p.done}/${p.total} ${p.unit}, ${p.perSecond.toFixed(1)}/s${eta}\n`);
}
