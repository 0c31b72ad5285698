/** The experiments benchmark's figures and their Markdown table. */
import type { Noise } from './common.ts';

export interface Timing {
  examples: number;
  /** Forward passes (a Figure 5 example is two: control and intervened). */
  prompts: number;
  seconds: number;
  promptsPerSecond: number;
  /** Summed over the engine's runs: the forward pass, and the lens decoding every residual state. */
  trunkSeconds: number;
  lensSeconds: number;
  batchSize?: number;
  /** CPU time of this process: on a machine nobody else uses, about wall time x threads. */
  cpuSeconds: number;
  /** Share of all cores' time that other processes took meanwhile (0-100). */
  othersPct: number;
}

export interface ExperimentFigures {
  backend: string;
  runtime: string;
  loadSeconds: number;
  figure5: {
    inDomain: Timing & { noEffectRate: number };
    outOfDomain: Timing & { noEffectRate: number };
  };
  /** Figure 5 on a sample of world capitals at batch sizes 1, 8 and 32. */
  scaling: Timing[];
  figure3: Timing & { filtered: number };
  noise?: Noise;
}

const FIGURE5_TARGET_SECONDS = 60;

function row(runtime: string, what: string, t: Timing): string {
  const split = t.trunkSeconds + t.lensSeconds;
  const share =
    split > 0
      ? `${Math.round((100 * t.trunkSeconds) / split)} / ${Math.round((100 * t.lensSeconds) / split)}`
      : '–';
  return `| ${runtime} | ${what} | ${t.examples} | ${t.prompts} | ${t.seconds.toFixed(1)} | ${t.promptsPerSecond.toFixed(1)} | ${share} | ${t.cpuSeconds.toFixed(1)} | ${t.othersPct}% |`;
}

/** Two timings as one (Figure 5's two data sets). */
function sum(a: Timing, b: Timing): Timing {
  const seconds = a.seconds + b.seconds;
  return {
    examples: a.examples + b.examples,
    prompts: a.prompts + b.prompts,
    seconds,
    promptsPerSecond: (a.prompts + b.prompts) / seconds,
    trunkSeconds: a.trunkSeconds + b.trunkSeconds,
    lensSeconds: a.lensSeconds + b.lensSeconds,
    cpuSeconds: a.cpuSeconds + b.cpuSeconds,
    othersPct: Math.round((a.othersPct * a.seconds + b.othersPct * b.seconds) / seconds),
  };
}

export function experimentsTable(results: readonly ExperimentFigures[]): string {
  const lines = [
    "| backend | run | examples | forward passes | wall s | passes/s | trunk / lens % | CPU s | others' CPU |",
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const { inDomain, outOfDomain } = r.figure5;
    const total = sum(inDomain, outOfDomain);
    const target = total.seconds <= FIGURE5_TARGET_SECONDS ? '✓' : '✗';
    lines.push(row(r.runtime, 'Figure 5: world capitals', inDomain));
    lines.push(row(r.runtime, 'Figure 5: US states', outOfDomain));
    lines.push(row(r.runtime, `**Figure 5 total** ${target} (≤ ${FIGURE5_TARGET_SECONDS} s)`, total));
    for (const t of r.scaling) lines.push(row(r.runtime, `Figure 5 sample, batch ${t.batchSize}`, t));
    lines.push(row(r.runtime, `Figure 3: past tense (${r.figure3.filtered} filtered out)`, r.figure3));
  }
  return lines.join('\n');
}
