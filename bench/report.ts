/** The benchmark's results file and its markdown table. */
import { PYTORCH_REFERENCE, round, TARGETS } from './common.ts';
import type { LiveFigures } from './live.ts';
import type { EngineFigures, FixtureFigures, PlainFigures } from './measure.ts';
import type { ProfileFigures } from './profile.ts';

export interface ConfigResult {
  model: string;
  backend: 'cpu' | 'wasm';
  runtime: string;
  threads: number;
  /** CPU time / wall time during the forward runs: ~threads when the threads really run. */
  threadsNote?: string;
  engine?: EngineFigures;
  plain?: PlainFigures;
  /** The app's store and run controller: a change to the updated views. */
  live?: LiveFigures;
  errors?: string[];
  ratios: {
    instrumentedVsPlain?: number;
    /** instrumented ms / the quoted 360 ms PyTorch figure; gpt2-medium only. */
    instrumentedVsPytorchQuoted?: number;
    target?: { vsPytorch?: number; vsPlain: number };
  };
}

export interface BenchResults {
  generatedAt: string;
  command: string;
  options: Record<string, unknown>;
  machine: Record<string, unknown>;
  source: { commit: string; uncommitted: string[] };
  pytorchReference: typeof PYTORCH_REFERENCE;
  targets: typeof TARGETS;
  prompt: { text: string; tokens: number; ids: number[]; tracked: number[]; trackedTexts: string[] };
  fixtures: Record<string, FixtureFigures | { error: string }>;
  configurations: ConfigResult[];
  profile?: ProfileFigures | { error: string };
  wallSeconds: number;
}

export function computeRatios(result: ConfigResult): void {
  const { engine, plain } = result;
  result.ratios = { target: { vsPlain: TARGETS.instrumentedVsPlain } };
  if (engine && plain) result.ratios.instrumentedVsPlain = engine.forward.median / plain.forward.median;
  if (result.model === PYTORCH_REFERENCE.model) {
    if (engine) result.ratios.instrumentedVsPytorchQuoted = engine.forward.median / PYTORCH_REFERENCE.ms;
    result.ratios.target = {
      vsPlain: TARGETS.instrumentedVsPlain,
      vsPytorch: result.backend === 'cpu' ? TARGETS.cpuVsPytorch : TARGETS.wasmVsPytorch,
    };
  }
}

const fmt = (x: number | undefined, digits = 0): string =>
  x === undefined ? '–' : round(x, digits).toFixed(digits);

function mark(value: number | undefined, target: number | undefined): string {
  if (value === undefined) return '–';
  const text = `${value.toFixed(2)}x`;
  if (target === undefined) return text;
  return `${text} ${value <= target ? '✓' : '✗'} (≤ ${target}x)`;
}

export function markdownTable(results: BenchResults): string {
  const header = [
    'model',
    'backend',
    'sessions trunk + lens (ms)',
    'plain session (ms)',
    'plain fwd (ms)',
    'instrumented fwd (ms)',
    'first run after load (ms)',
    'instr. / plain',
    'prompts/s b1 · b8 · b32',
    'drop, 6 blocks (ms)',
    'peak RSS engine · plain (MiB)',
    'vs PyTorch 360 ms (quoted)',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of results.configurations) {
    const e = r.engine;
    const p = r.plain;
    const perBatch = (b: number): string => fmt(e?.batches.find((x) => x.batch === b)?.promptsPerSec, 1);
    lines.push(
      `| ${[
        r.model,
        r.runtime,
        e ? `${fmt(e.trunkSessionMs)} + ${fmt(e.lensSessionMs)}` : '–',
        fmt(p?.sessionMs),
        fmt(p?.forward.median, 1),
        fmt(e?.forward.median, 1),
        fmt(e?.firstRunMs),
        mark(r.ratios.instrumentedVsPlain, r.ratios.target?.vsPlain),
        `${perBatch(1)} · ${perBatch(8)} · ${perBatch(32)}`,
        fmt(e?.drop.median, 1),
        `${fmt(e?.peakRssMiB)} · ${fmt(p?.peakRssMiB)}`,
        r.ratios.instrumentedVsPytorchQuoted === undefined
          ? '–'
          : mark(r.ratios.instrumentedVsPytorchQuoted, r.ratios.target?.vsPytorch),
      ].join(' | ')} |`,
    );
  }
  const m = results.machine;
  const quick = results.options.quick === true;
  const forwardRuns = `${quick ? '5 runs' : '15 (gpt2) or 9 (gpt2-medium) runs'} after 2 (cpu) or 6 (wasm) warm-ups`;
  const batchRuns = quick ? '1 run' : '4 or 3 runs';
  const notes = [
    '',
    `Random-weight checkpoints at the real shapes (gpt2: 12 layers, d 768; gpt2-medium: 24 layers, d 1024; ` +
      `n_positions 1024, vocab 50,257), float32. ${m.cpuModel as string}, ${m.cores as number} cores, ` +
      `Node ${m.node as string}, onnxruntime-node ${m.onnxruntimeNode as string}, onnxruntime-web ` +
      `${m.onnxruntimeWeb as string} (wasm, in Node). 20-token prompt. Forward: median of ${forwardRuns}; ` +
      `batches 8 and 32: median of ${batchRuns} after 1 warm-up.`,
    '"Instrumented": the engine run with all 2L+1 residual states decoded (top-10, 3 tracked ranks, ' +
      'entropy) and captures; "plain": an ordinary forward returning logits at every position (embedding ' +
      'lookup in JS included). "Drop": the same run with an FFN replace intervention on 6 blocks (a new ' +
      'vector each time). Peak RSS (each configuration in its own process) includes the checkpoint bytes ' +
      'held in JS. Timed runs during which other processes took the CPUs were discarded and repeated.',
    `PyTorch column: instrumented ms / ${PYTORCH_REFERENCE.ms} ms, a quoted figure (a PyTorch/OpenBLAS ` +
      'forward decoding every residual state, gpt2-medium, 20 tokens, on this machine), not measured here.',
  ];
  return `${lines.join('\n')}\n${notes.join('\n')}\n`;
}

export function profileText(profile: ProfileFigures): string {
  const out = [
    `Top ops by kernel time, ${profile.model}, onnxruntime-node CPU (ms per run, share of kernel time):`,
  ];
  for (const s of profile.sessions) {
    out.push(`  ${s.session}: model_run ${s.modelRunMs.toFixed(1)} ms, kernels ${s.kernelMs.toFixed(1)} ms`);
    for (const op of s.ops.slice(0, 8)) {
      const ms = op.msPerRun.toFixed(1).padStart(8);
      const share = (100 * op.share).toFixed(1).padStart(5);
      out.push(`    ${op.op.padEnd(26)} ${ms} ms ${share}%  (${op.nodes} nodes)`);
    }
    const top = s.topNodes[0];
    if (top) out.push(`    slowest node: ${top.node} (${top.op}) ${top.msPerRun.toFixed(1)} ms`);
  }
  return out.join('\n');
}

/** Where the instrumented run's time goes: trunk (one forward) and lens (decoding), per batch size. */
export function splitText(results: BenchResults): string {
  const out = ['Instrumented run split, median ms (trunk + lens = total):'];
  for (const r of results.configurations) {
    if (!r.engine) continue;
    const parts = r.engine.batches.map(
      (b) => `b${b.batch} ${b.trunkMs.toFixed(0)} + ${b.lensMs.toFixed(0)} = ${b.ms.median.toFixed(0)}`,
    );
    const d = r.engine.drop;
    parts.push(`drop ${d.trunkMs.toFixed(0)} + ${d.lensMs.toFixed(0)} = ${d.median.toFixed(0)}`);
    out.push(`  ${r.model}, ${r.runtime}: ${parts.join('; ')}`);
  }
  return out.join('\n');
}

/** The live figures: from an edit or a drop to the updated rank plot and to the whole heatmap. */
export function liveTable(results: BenchResults): string {
  const header = [
    'model',
    'backend',
    'prompt tokens',
    'edit -> rank plot (ms)',
    'edit -> full heatmap (ms)',
    'drop -> rank plot (ms)',
    'drop -> full heatmap (ms)',
    'edit, intervened -> both rank plots (ms)',
    'edit, intervened -> both heatmaps (ms)',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  let debounce: number | undefined;
  let reps: number | undefined;
  for (const r of results.configurations) {
    const l = r.live;
    if (!l) continue;
    debounce = l.debounceMs;
    reps = l.reps;
    const both = l.editIntervened;
    lines.push(
      `| ${[
        r.model,
        r.runtime,
        l.promptTokens,
        fmt(l.edit.rankMs.median),
        fmt(l.edit.heatmapMs.median),
        fmt(l.drop.rankMs.median),
        fmt(l.drop.heatmapMs.median),
        `${fmt(both.controlRankMs.median)} · ${fmt(both.intervenedRankMs.median)}`,
        fmt(both.heatmapMs.median),
      ].join(' | ')} |`,
    );
  }
  if (debounce === undefined) return '';
  const notes = [
    '',
    `Live: the app's store and run controller on the in-process engine, timed from the change (setPrompt, ` +
      `setInterventions) to the store showing the new run's rank plot (the last position's lens with the ` +
      `argument and answer ranked) and its complete heatmap; medians of ${reps} changes after warm-up. ` +
      `Edits include the prompt debounce (${debounce} ms). A drop replaces 6 middle blocks' FFN output ` +
      'with a newly captured vector; "edit, intervened" is an edit while it applies (control · intervened).',
  ];
  return `${lines.join('\n')}\n${notes.join('\n')}\n`;
}
