/**
 * `lenslab lens ...`: the engine on onnxruntime in Node, one JSON object on stdout.
 * Errors: exit code 1 and one line on stderr (a stack trace only with --debug).
 */
import { parseArgs } from 'node:util';
import { configShape } from '../models/arch/registry.ts';
import { LensEngine } from '../workers/engine/engine.ts';
import type { LensResult, StateResult } from '../workers/engine/types.ts';
import { EXPERIMENT_USAGE, experiment } from './experiment.ts';
import { CliError, readModelDir } from './modelDir.ts';
import { type NodeBackend, nodeRuntime } from './runtimes.ts';
import { readInterventionSpec } from './vectors.ts';

const USAGE = `usage: lenslab lens --model <dir> (--prompt <text> | --ids <id,id,...>) [--track <id or "text",...>]
                    [--top K] [--positions last|all] [--intervene <spec.json>] [--capture]
                    [--backend cpu|webgpu|wasm] [--threads N] --json [--debug]
${EXPERIMENT_USAGE}`;

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [command, ...rest] = argv;
    const commandHelp = (command === 'lens' || command === 'experiment') && isHelp(rest);
    if (command === '--help' || command === '-h' || commandHelp) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (command === undefined) throw new CliError('no command given (see lenslab --help)');
    if (command !== 'lens' && command !== 'experiment')
      throw new CliError(`unknown command ${JSON.stringify(command)} (see lenslab --help)`);
    const { output, notes } = command === 'lens' ? await lens(rest) : await experiment(rest);
    process.stdout.write(`${JSON.stringify(output)}\n`);
    // notes only after success: a failing run prints exactly one line
    for (const note of notes) process.stderr.write(`lenslab: note: ${note}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`lenslab: ${message.split('\n')[0]}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

/** `lenslab lens ... --help` prints the usage too. */
function isHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

const BACKENDS: readonly NodeBackend[] = ['cpu', 'webgpu', 'wasm'];

async function lens(args: string[]): Promise<{ output: unknown; notes: string[] }> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new CliError(`${(error as Error).message}`);
  }
  const { values } = parsed;
  if (!values.model) throw new CliError('--model <dir> is required');
  if ((values.prompt === undefined) === (values.ids === undefined)) {
    throw new CliError('give exactly one of --prompt <text> or --ids <id,id,...>');
  }
  if (!values.json) throw new CliError('--json is required (JSON is the only output format)');
  const positions = values.positions ?? 'last';
  if (positions !== 'last' && positions !== 'all') throw new CliError('--positions must be last or all');
  const topK = values.top === undefined ? 10 : parseInteger(values.top, '--top');
  const threads = values.threads === undefined ? undefined : parseInteger(values.threads, '--threads');
  const backend = (values.backend ?? 'cpu') as NodeBackend;
  if (!BACKENDS.includes(backend)) throw new CliError(`--backend must be one of ${BACKENDS.join(', ')}`);

  const { files, tokenizerNote } = readModelDir(values.model);
  // everything that can be checked without the engine is checked before the (slow) model load
  const config = configShape(files.config);
  const intervention = values.intervene ? readInterventionSpec(values.intervene, config.nEmbd) : undefined;
  const { ort, options } = await nodeRuntime(backend, threads);
  const engine = await LensEngine.load(ort, files, options);
  try {
    const ids =
      values.ids !== undefined
        ? values.ids.split(',').map((s) => parseInteger(s.trim(), '--ids'))
        : engine.tokenize(values.prompt!).map((t) => t.id);
    const track = values.track === undefined ? [] : parseTrack(values.track, engine);
    const result = await engine.run({
      prompts: [ids],
      track,
      topK,
      positions,
      capture: values.capture ?? false,
      ...(intervention ? { intervention } : {}),
    });
    return { output: toJson(result, positions === 'all'), notes: tokenizerNote ? [tokenizerNote] : [] };
  } finally {
    await engine.dispose();
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      model: { type: 'string' },
      prompt: { type: 'string' },
      ids: { type: 'string' },
      track: { type: 'string' },
      top: { type: 'string' },
      positions: { type: 'string' },
      intervene: { type: 'string' },
      capture: { type: 'boolean' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      debug: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
}

function parseInteger(text: string, flag: string): number {
  if (!/^\d+$/.test(text))
    throw new CliError(`${flag}: ${JSON.stringify(text)} is not a non-negative integer`);
  return Number(text);
}

/** Items are token ids or texts; quotes are optional around a text, and protect commas inside it. */
export function splitTrackList(spec: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  for (const ch of spec) {
    if (ch === '"') {
      quoted = !quoted;
      wasQuoted = true;
    } else if (ch === ',' && !quoted) {
      items.push(wasQuoted ? `"${current}"` : current);
      current = '';
      wasQuoted = false;
    } else current += ch;
  }
  if (quoted) throw new CliError(`--track: unbalanced quote in ${JSON.stringify(spec)}`);
  items.push(wasQuoted ? `"${current}"` : current);
  return items;
}

function parseTrack(spec: string, engine: LensEngine): number[] {
  return splitTrackList(spec).map((item) => {
    if (/^\d+$/.test(item)) return Number(item);
    const text = item.startsWith('"') && item.endsWith('"') ? item.slice(1, -1) : item;
    const id = engine.tokenizer.idOf(text);
    if (id !== undefined) return id;
    const pieces = engine.tokenizer.encode(text).map((i) => JSON.stringify(engine.tokenText(i)));
    throw new CliError(
      `--track: ${JSON.stringify(text)} is not a single token (it encodes to ${pieces.length}: ${pieces.join(' ')})`,
    );
  });
}

function stateJson(state: StateResult) {
  return {
    index: state.index,
    layer: state.layer,
    kind: state.kind,
    position: state.position,
    top: state.top,
    tracked: state.tracked,
    entropy: state.entropy,
  };
}

function toJson(result: LensResult, allPositions: boolean) {
  const prompt = result.prompts[0]!;
  const out: Record<string, unknown> = {
    model: result.model,
    backend: result.backend,
    tokens: prompt.tokens,
    states: prompt.states.map(stateJson),
  };
  if (allPositions && prompt.byPosition) {
    out.positions = prompt.byPosition.map((states, position) => ({
      position,
      states: states.map(stateJson),
    }));
  }
  if (prompt.capture) {
    out.capture = {
      ffn: prompt.capture.ffn.map((v) => Array.from(v)),
      attn: prompt.capture.attn.map((v) => Array.from(v)),
    };
  }
  out.timings = result.timings;
  return out;
}
