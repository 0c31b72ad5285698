/**
 * Test and demo hooks, shown with ?debug=1: lose the WebGPU device to exercise the wasm fallback, and
 * the last change's timings (rank plot up to date vs whole heatmap in).
 */
import { type ReactElement, useState } from 'react';
import { useLensStoreHook } from '../store/context.ts';
import type { RankTiming } from '../store/runSlice.ts';
import { useLens } from './useLens.ts';

function rankText(rank: RankTiming | undefined): string {
  return rank ? `${rank.ms.toFixed(0)} ms (${rank.cells}/${rank.ofCells} cells in)` : '–';
}

function RunTimings(): ReactElement {
  const stats = useLens((s) => s.runStats);
  const ms = (value: number | undefined): string => (value === undefined ? '–' : `${value.toFixed(0)} ms`);
  return (
    <span data-testid="debug-run-timings">
      {stats.trigger ?? 'no change yet'}
      {` (debounce ${ms(stats.debounceMs)}): rank plot ${rankText(stats.controlRank)}, heatmap ${ms(stats.controlMs)}`}
      {stats.intervenedMs !== undefined
        ? `; intervened rank plot ${rankText(stats.intervenedRank)}, heatmap ${ms(stats.intervenedMs)}`
        : ''}
    </span>
  );
}

export function DebugPanel(): ReactElement {
  const store = useLensStoreHook();
  const [result, setResult] = useState('');
  const loseDevice = async (): Promise<void> => {
    try {
      setResult(await store.deps.client.debugLoseDevice());
    } catch (error) {
      setResult(`failed: ${(error as Error).message}`);
    }
    // the next run meets the lost device and falls back
    store.getState().rerun();
  };
  return (
    <div className="debug-panel">
      <button type="button" data-testid="debug-lose-device" onClick={() => void loseDevice()}>
        Lose the GPU device
      </button>
      <span data-testid="debug-result">{result}</span>
      <RunTimings />
    </div>
  );
}
