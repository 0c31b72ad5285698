/**
 * onnxruntime-node CPU profiles of the instrumented trunk and lens sessions and of the plain graph:
 * kernel time per op type (after graph optimisation, so fused ops show under their fused names),
 * per run (mean of the profiled runs), the warm-up runs left out.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LensEngine } from '../workers/engine/engine.ts';
import {
  benchPrompt,
  type CreatedSession,
  instrumentRuntime,
  loadRuntime,
  type Noise,
  type RuntimeChoice,
  tokenizerJsonOnce,
} from './common.ts';
import { fastGpt2Fixture, type ModelShape } from './fixture.ts';
import { createPlain } from './measure.ts';

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; provider?: string };
}

export interface OpTime {
  op: string;
  msPerRun: number;
  share: number;
  nodes: number;
}

export interface SessionProfile {
  session: string;
  runs: number;
  modelRunMs: number;
  kernelMs: number;
  ops: OpTime[];
  topNodes: Array<{ node: string; op: string; msPerRun: number }>;
}

export interface ProfileFigures {
  model: string;
  backend: 'cpu';
  runsProfiled: number;
  sessions: SessionProfile[];
  noise?: Noise;
}

const WARM_RUNS = 3;
const PROFILED_RUNS = 5;

export function summariseProfile(session: string, events: ProfileEvent[]): SessionProfile {
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts - b.ts);
  const counted = runs.slice(WARM_RUNS); // warm-up runs left out
  const from = counted[0]?.ts ?? 0;
  const byOp = new Map<string, { us: number; nodes: Set<string> }>();
  const byNode = new Map<string, { us: number; op: string }>();
  let kernelUs = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < from) continue;
    const op = e.args?.op_name ?? '?';
    const node = e.name.slice(0, -'_kernel_time'.length);
    const entry = byOp.get(op) ?? { us: 0, nodes: new Set<string>() };
    entry.us += e.dur;
    entry.nodes.add(node);
    byOp.set(op, entry);
    const n = byNode.get(node) ?? { us: 0, op };
    n.us += e.dur;
    byNode.set(node, n);
    kernelUs += e.dur;
  }
  const perRun = (us: number): number => us / 1000 / Math.max(1, counted.length);
  const modelRunMs = perRun(counted.reduce((a, e) => a + e.dur, 0));
  return {
    session,
    runs: counted.length,
    modelRunMs,
    kernelMs: perRun(kernelUs),
    ops: [...byOp.entries()]
      .map(([op, v]) => ({
        op,
        msPerRun: perRun(v.us),
        share: v.us / Math.max(1, kernelUs),
        nodes: v.nodes.size,
      }))
      .sort((a, b) => b.msPerRun - a.msPerRun)
      .slice(0, 10),
    topNodes: [...byNode.entries()]
      .map(([node, v]) => ({ node, op: v.op, msPerRun: perRun(v.us) }))
      .sort((a, b) => b.msPerRun - a.msPerRun)
      .slice(0, 5),
  };
}

function readProfile(dir: string, prefix: string): ProfileEvent[] {
  const file = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.json'));
  if (!file) throw new Error(`no profile file ${prefix}*.json in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
}

export async function profileCpu(
  shape: ModelShape,
  noSpin: boolean,
  log: (line: string) => void,
): Promise<ProfileFigures> {
  const choice: RuntimeChoice = { backend: 'cpu', wasmThreads: 0, noSpin };
  const dir = mkdtempSync(join(tmpdir(), 'lenslab-profile-'));
  try {
    const runtime = await loadRuntime(choice);
    const fixture = fastGpt2Fixture(shape);
    const names = ['trunk', 'lens'];
    const created: CreatedSession[] = [];
    const ort = instrumentRuntime(runtime.ort, created, (index, options) => ({
      ...options,
      enableProfiling: true,
      profileFilePrefix: join(dir, names[index] ?? `session${index}`),
    }));
    const engine = await LensEngine.load(
      ort,
      {
        name: shape.name,
        config: fixture.config,
        safetensors: fixture.safetensors,
        tokenizer: tokenizerJsonOnce(),
      },
      runtime.options,
    );
    const prompt = benchPrompt();
    for (let i = 0; i < WARM_RUNS + PROFILED_RUNS; i++) {
      await engine.run({ prompts: [prompt.ids], track: prompt.tracked, topK: 10, capture: true });
    }
    for (const c of created) c.session.endProfiling();
    await engine.dispose();
    log('profiled trunk and lens');

    const plain = await createPlain(shape, fixture.safetensors, fixture.config, choice, {
      enableProfiling: true,
      profileFilePrefix: join(dir, 'plain'),
    });
    for (let i = 0; i < WARM_RUNS + PROFILED_RUNS; i++) await plain.forward([prompt.ids]);
    plain.session.endProfiling();
    await plain.session.release();
    log('profiled plain');

    return {
      model: shape.name,
      backend: 'cpu',
      runsProfiled: PROFILED_RUNS,
      sessions: ['trunk', 'lens', 'plain'].map((name) => summariseProfile(name, readProfile(dir, name))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
