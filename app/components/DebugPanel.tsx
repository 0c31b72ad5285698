/**
 * Test and demo hooks, shown with ?debug=1: lose the WebGPU device to exercise the wasm fallback, what
 * the engine holds in memory, and the last change's timings (rank plot up to date vs whole heatmap in).
 */
import { type ReactElement, useEffect, useState } from 'react';
import { formatBytes } from '../../models/hub/fit.ts';
import type { EngineMemory } from '../../workers/api.ts';
import { useLensStoreHook } from '../store/context.ts';
import type { RankTiming } from '../store/runSlice.ts';
import { useLens } from './useLens.ts';

function describeMemory(memory: EngineMemory | null | undefined): string {
  if (memory === undefined) return '';
  if (memory === null) return 'no model loaded';
  const parts = [
    `${formatBytes(memory.deviceWeightBytes)} of weights in the runtime`,
    `${formatBytes(memory.jsBytes)} in JS (embedding tables)`,
  ];
  if (memory.measuredBytes !== undefined)
    parts.push(`the browser measures ${formatBytes(memory.measuredBytes)} in all`);
  return `Engine memory: ${parts.join(', ')}`;
}

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
  const generation = useLens((s) => s.modelGeneration);
  const [result, setResult] = useState('');
  const [memory, setMemory] = useState<EngineMemory | null | undefined>(undefined);
  useEffect(() => {
    if (generation === 0) return;
    let live = true;
    store.deps.client
      .memory()
      .then((m) => live && setMemory(m))
      .catch(() => live && setMemory(null));
    return () => {
      live = false;
    };
  }, [store, generation]);
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
      <span data-testid="debug-memory">{describeMemory(memory)}</span>
      <RunTimings />
    </div>
  );
}
