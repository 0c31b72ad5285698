/**
 * `npm run bench:experiments`: the paper's experiments at data-set scale through the experiments
 * module (what the app's worker and the CLI run), at gpt2-medium shape with random weights made on the
 * fly, on onnxruntime-node CPU and onnxruntime-web wasm in Node. Not a test: it prints figures and
 * writes bench/experiments.json.
 *
 *   npm run bench:experiments -- [--backends cpu,wasm] [--quick] [--wasm-threads 2] [--out file.json]
 *
 * Per backend, in its own child process: Figure 5 in full (o_city, the paper's released gpt2-medium
 * vector, replacing FFNs 18-23 at every position, on random-world-capitals and random-us-states: 298
 * examples, control and intervened), the same on a sample at batch sizes 1, 8 and 32, and Figure 3 on
 * past tense (the data set after the GPT-2 token filter). Trunk and lens time are summed from the
 * engine's own timings of every run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { vectorFromNpy } from '../models/npy.ts';
import { LensEngine } from '../workers/engine/engine.ts';
import type { LensRequest } from '../workers/engine/types.ts';
import { builtinDataset } from '../workers/experiments/data/builtinData.ts';
import { parseExamples } from '../workers/experiments/data/parseExamples.ts';
import { runOvector } from '../workers/experiments/ovectorExperiment.ts';
import { runStages } from '../workers/experiments/stagesExperiment.ts';
import type { ExampleSet, ExperimentEngine } from '../workers/experiments/types.ts';
import {
  BACKENDS,
  type BenchBackend,
  loadRuntime,
  machineInfo,
  type Noise,
  noiseMeter,
  round,
  tokenizerJsonOnce,
  waitForQuiet,
} from './common.ts';
import { type ExperimentFigures, experimentsTable, type Timing } from './experimentsReport.ts';
import { fastGpt2Fixture, MODEL_SHAPES } from './fixture.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const SCALING_BATCHES = [1, 8, 32];
const SCALING_SAMPLE = 32;

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: BACKENDS.join(',') },
    quick: { type: 'boolean', default: false },
    'wasm-threads': { type: 'string', default: '2' },
    out: { type: 'string' },
    child: { type: 'string' },
  },
  strict: true,
});

function builtin(name: string, limit?: number): ExampleSet {
  const dataset = builtinDataset(name)!;
  const { examples } = parseExamples(readFileSync(join(ROOT, 'public/data', dataset.file), 'utf8'), 'jsonl');
  return {
    name,
    examples: limit === undefined ? examples : examples.slice(0, limit),
    ...(dataset.filter ? { filter: dataset.filter } : {}),
  };
}

/** The engine, with the trunk and lens time of every run added up. */
function timedEngine(
  engine: LensEngine,
): ExperimentEngine & { take(): Pick<Timing, 'prompts' | 'trunkSeconds' | 'lensSeconds'> } {
  let trunkMs = 0;
  let lensMs = 0;
  let prompts = 0;
  return {
    info: engine.info,
    tokenize: (text) => engine.tokenize(text),
    run: async (request: LensRequest, options) => {
      const result = await engine.run(request, options);
      trunkMs += result.timings.trunkMs;
      lensMs += result.timings.lensMs;
      prompts += request.prompts.length;
      return result;
    },
    take() {
      const out = { prompts, trunkSeconds: round(trunkMs / 1000, 2), lensSeconds: round(lensMs / 1000, 2) };
      trunkMs = lensMs = prompts = 0;
      return out;
    },
  };
}

async function timed<T>(
  engine: ReturnType<typeof timedEngine>,
  examples: number,
  fn: () => Promise<T>,
): Promise<{ timing: Timing; result: T }> {
  engine.take();
  const noise = noiseMeter();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await fn();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const counts = engine.take();
  const timing = {
    ...counts,
    examples,
    seconds: round(seconds, 2),
    promptsPerSecond: round(counts.prompts / seconds, 2),
    cpuSeconds: round((used.user + used.system) / 1e6, 2),
    othersPct: round(noise().othersPct ?? 0, 0),
  };
  console.error(`  ${JSON.stringify(timing)}`);
  return { timing, result };
}

async function childMain(backend: BenchBackend): Promise<ExperimentFigures> {
  const quick = values.quick ?? false;
  const noise = noiseMeter();
  const shape = MODEL_SHAPES['gpt2-medium']!;
  const fixture = fastGpt2Fixture(shape);
  const files = {
    name: 'gpt2-medium (random)',
    config: fixture.config,
    safetensors: fixture.safetensors,
    tokenizer: tokenizerJsonOnce(),
  };
  const { ort, options } = await loadRuntime({
    backend,
    wasmThreads: Number(values['wasm-threads']),
    noSpin: false,
  });
  const loadStart = performance.now();
  const engine = timedEngine(await LensEngine.load(ort, files, options));
  const loadSeconds = round((performance.now() - loadStart) / 1000, 2);
  const vector = vectorFromNpy(
    new Uint8Array(readFileSync(join(ROOT, 'public/vectors/paper/city_capital_o19_gpt2-medium.npy'))),
    shape.nEmbd,
    'city_capital_o19_gpt2-medium.npy',
  );
  const settings = { vector, blocks: { from: 18, to: 23 } };
  const limit = quick ? 16 : undefined;
  const capitals = builtin('random-world-capitals', limit);
  const states = builtin('random-us-states', limit);
  // warm-up: the first runs of a session (and wasm's baseline tier) are slower
  await runOvector(engine, builtin('random-us-states', 4), settings);

  console.error(`[${backend}] Figure 5: world capitals`);
  const inDomain = await timed(engine, capitals.examples.length, () =>
    runOvector(engine, capitals, settings),
  );
  console.error(`[${backend}] Figure 5: US states`);
  const outOfDomain = await timed(engine, states.examples.length, () => runOvector(engine, states, settings));

  const scaling: Timing[] = [];
  const sample = builtin('random-world-capitals', quick ? 8 : SCALING_SAMPLE);
  for (const batchSize of SCALING_BATCHES) {
    console.error(`[${backend}] Figure 5 sample, batch ${batchSize}`);
    const { timing } = await timed(engine, sample.examples.length, () =>
      runOvector(engine, sample, settings, { batchSize }),
    );
    scaling.push({ ...timing, batchSize });
  }

  console.error(`[${backend}] Figure 3: past tense`);
  const past = builtin('past-tense', quick ? 64 : undefined);
  const stages = await timed(engine, past.examples.length, () => runStages(engine, past));
  const pastRun = {
    ...stages.timing,
    examples: stages.result.examples.length,
    filtered: stages.result.skipped.length,
  };
  return {
    backend,
    runtime:
      backend === 'cpu' ? 'onnxruntime-node cpu' : `onnxruntime-web wasm (${values['wasm-threads']} threads)`,
    loadSeconds,
    figure5: {
      inDomain: { ...inDomain.timing, noEffectRate: inDomain.result.summary.noEffectRate },
      outOfDomain: { ...outOfDomain.timing, noEffectRate: outOfDomain.result.summary.noEffectRate },
    },
    scaling,
    figure3: pastRun,
    noise: noise(),
  };
}

function runChild(backend: BenchBackend, out: string): Promise<ExperimentFigures> {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', backend, '--out', out];
  if (values.quick) args.push('--quick');
  args.push('--wasm-threads', values['wasm-threads']!);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) reject(new Error(`${backend} child failed (${signal ?? `exit ${code}`})`));
      else resolve(JSON.parse(readFileSync(out, 'utf8')) as ExperimentFigures);
    });
  });
}

async function parentMain(): Promise<void> {
  const started = performance.now();
  const backends = values.backends!.split(',').map((b) => b.trim()) as BenchBackend[];
  for (const b of backends) if (!BACKENDS.includes(b)) throw new Error(`unknown backend ${b}`);
  const scratch = mkdtempSync(join(tmpdir(), 'lenslab-bench-experiments-'));
  const results: ExperimentFigures[] = [];
  try {
    for (const backend of backends) {
      const quiet = await waitForQuiet(90_000);
      if (quiet.busyPct >= 15)
        console.log(`  (others use ${quiet.busyPct.toFixed(0)}% of the CPUs; measuring anyway)`);
      results.push(await runChild(backend, join(scratch, `${backend}.json`)));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const report = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench:experiments -- ${process.argv.slice(2).join(' ')}`.trim(),
    quick: values.quick ?? false,
    machine: machineInfo(),
    model: 'gpt2-medium shape, random weights (24 blocks, d 1024, vocab 50,257), float32',
    results,
    wallSeconds: Math.round((performance.now() - started) / 1000),
  };
  const outPath =
    values.out ??
    join(
      HERE,
      values.quick || backends.length < BACKENDS.length ? 'experiments.local.json' : 'experiments.json',
    );
  writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${experimentsTable(results)}`);
  for (const r of results)
    console.log(`${r.runtime}: others' CPU share while measuring ${othersText(r.noise)}`);
  console.log(`\nwrote ${outPath} (${report.wallSeconds} s)`);
}

function othersText(noise: Noise | undefined): string {
  return noise?.othersPct === undefined ? '?' : `${noise.othersPct.toFixed(0)}%`;
}

if (values.child) {
  childMain(values.child as BenchBackend).then(
    (figures) => {
      writeFileSync(values.out!, JSON.stringify(figures));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  parentMain().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
