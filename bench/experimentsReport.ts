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

export function experimentsTable(results: readonly ExperimentFigures[]): string {
  const share = (t: Timing) => {
    const total = t.trunkSeconds + t.lensSeconds;
    return total > 0
      ? `${Math.round((100 * t.trunkSeconds) / total)} / ${Math.round((100 * t.lensSeconds) / total)}`
      : '–';
  };
  const rows = results.map((r) => {
    const { inDomain: a, outOfDomain: b } = r.figure5;
    const seconds = a.seconds + b.seconds;
    const prompts = a.prompts + b.prompts;
    const target = seconds <= FIGURE5_TARGET_SECONDS ? '✓' : '✗';
    const fig5Split = share({
      ...a,
      trunkSeconds: a.trunkSeconds + b.trunkSeconds,
      lensSeconds: a.lensSeconds + b.lensSeconds,
    });
    const scaling = r.scaling.map((t) => t.promptsPerSecond.toFixed(1)).join(' · ');
    const f3 = r.figure3;
    return `| ${r.runtime} | ${a.examples + b.examples} (${prompts} runs) | ${seconds.toFixed(1)} s ${target} (≤ ${FIGURE5_TARGET_SECONDS} s) | ${(prompts / seconds).toFixed(1)} | ${fig5Split} | ${scaling} | ${f3.examples} | ${f3.seconds.toFixed(1)} s | ${f3.promptsPerSecond.toFixed(1)} | ${share(f3)} |`;
  });
  return [
    '| backend | Figure 5 examples | Figure 5 total | prompts/s | trunk / lens % | prompts/s at batch 1 · 8 · 32 | Figure 3 past-tense examples | Figure 3 total | prompts/s | trunk / lens % |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
