/**
 * The block-range sweep in the app: the heatmap's geometry and its best range (pure), the sweep run
 * through the slice and the store of results (one unit per range), and a cell's click setting the
 * o-vector experiment's blocks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { VectorEntry } from '../app/domain.ts';
import { memoryExperimentPersistence } from '../app/experiments/experimentPersistence.ts';
import { DEFAULT_DATASETS, DEFAULT_EXPERIMENT_SETTINGS } from '../app/experiments/experimentSettings.ts';
import { readExperimentParams, writeExperimentParams } from '../app/experiments/experimentUrl.ts';
import { bestSweepCell, sweepCsv, sweepLayout } from '../app/experiments/figures/sweepLayout.ts';
import { outcomeCount } from '../app/experiments/storedRun.ts';
import { type SweepCell, type SweepResult, sweepRanges } from '../workers/experiments/index.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { experimentStore } from './support/experimentStore.ts';
import type { InProcessClient } from './support/inProcessClient.ts';

const cell = (from: number, to: number, mrr: number, accuracy = 0, noEffectRate = 1): SweepCell => ({
  id: `${from}-${to}`,
  from,
  to,
  examples: [],
  meanReciprocalRank: mrr,
  accuracy,
  noEffectRate,
});

describe('sweep heatmap layout', () => {
  const ranges = sweepRanges(24);
  // a made-up surface peaking at 18-23
  const cells = ranges.map((r) => cell(r.from, r.to, 1 / (1 + Math.abs(r.from - 18) + Math.abs(r.to - 23))));

  it('puts start blocks across and end blocks up, one square cell per range', () => {
    const g = sweepLayout({ cells }, 'meanReciprocalRank', 800);
    expect(g.cells).toHaveLength(ranges.length);
    expect(g.starts.map((s) => s.block)).toEqual([12, 14, 16, 18, 20, 22]);
    expect(g.ends.map((e) => e.block)).toEqual([23, 21, 19, 17, 15, 13]);
    const at = (id: string) => g.cells.find((c) => c.cell.id === id)!;
    expect(at('14-23').x).toBeGreaterThan(at('12-23').x);
    expect(at('12-21').y).toBeGreaterThan(at('12-23').y); // a lower end sits lower
    expect(at('12-23').width).toBeCloseTo(at('12-23').height);
    for (const box of g.cells) {
      expect(box.x).toBeGreaterThanOrEqual(g.plotLeft);
      expect(box.x + box.width).toBeLessThanOrEqual(g.plotRight + 1e-9);
      expect(box.y + box.height).toBeLessThanOrEqual(g.plotBottom + 1e-9);
    }
    // only ranges with from <= to: the upper-left triangle is empty
    expect(g.cells.some((c) => c.cell.from > c.cell.to)).toBe(false);
  });

  it('marks exactly the best range, and colours on a fixed 0-1 scale', () => {
    const g = sweepLayout({ cells }, 'meanReciprocalRank', 800);
    expect(g.best?.id).toBe('18-23');
    expect(g.cells.filter((c) => c.best).map((c) => c.cell.id)).toEqual(['18-23']);
    expect(g.cells.find((c) => c.best)!.fill).toBe(g.legend[4]!.color);
    expect(g.legend.map((s) => s.value)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('breaks ties by accuracy, then the fewest blocks; the lowest no-effect rate wins for that metric', () => {
    expect(bestSweepCell([cell(2, 3, 0.5), cell(3, 3, 0.5)])?.id).toBe('3-3');
    expect(bestSweepCell([cell(3, 3, 0.5, 0), cell(2, 3, 0.5, 1)])?.id).toBe('2-3');
    expect(bestSweepCell([cell(2, 3, 0.9, 0, 0.8), cell(3, 3, 0.1, 0, 0.2)], 'noEffectRate')?.id).toBe('3-3');
    expect(bestSweepCell([])).toBeUndefined();
  });

  it('shrinks cells to the width and exports every range and the control as CSV', () => {
    const narrow = sweepLayout({ cells }, 'meanReciprocalRank', 300);
    const wide = sweepLayout({ cells }, 'meanReciprocalRank', 1200);
    expect(narrow.cells[0]!.width).toBeLessThan(wide.cells[0]!.width);
    expect(wide.cells[0]!.width).toBeLessThanOrEqual(56);
    const csv = sweepCsv({
      cells: [cell(2, 3, 0.5, 0.25, 0.75)],
      control: { examples: [], meanReciprocalRank: 0.1, accuracy: 0 },
    });
    expect(csv).toBe(
      'from,to,mean_reciprocal_rank,accuracy,no_effect_rate\n2,3,0.5,0.25,0.75\ncontrol,control,0.1,0,\n',
    );
  });
});

const builtin = testCheckpoint('builtin', { nLayer: 4, nEmbd: 32, nHead: 2, nPositions: 128, seed: 5 }).files;
const clients: InProcessClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
});

/** A store on the 4-block model with a captured FFN vector and the sweep chosen (limit 6, sample 3). */
async function sweepStore(persistence = memoryExperimentPersistence(), vector?: VectorEntry) {
  const setup = await experimentStore(builtin, persistence);
  clients.push(setup.client);
  const { store } = setup;
  if (vector) store.getState().addVectors([vector], false);
  const entry = vector ?? (await store.getState().captureVector(2, 'ffn'))!;
  store.getState().chooseExperiment('sweep');
  store.getState().setExperimentSettings({ vector: entry.id, limit: 6, sample: 3 });
  return { store, vector: entry, persistence };
}

describe('the sweep through the slice', () => {
  it('runs every range on a sample, stores it, reopens it, and a cell sets the o-vector blocks', async () => {
    const { store, vector, persistence } = await sweepStore();
    expect(store.getState().experimentSettings.datasets).toEqual(DEFAULT_DATASETS.sweep);
    await store.getState().runExperiment();
    const part = store.getState().experimentParts[0]!;
    expect(store.getState().experimentError).toBeUndefined();
    expect(part).toMatchObject({ status: 'done', role: 'sample' });
    const outcome = part.outcome as SweepResult;
    expect(outcome.experiment).toBe('sweep');
    expect(outcome.cells.map((c) => c.id)).toEqual(['2-2', '2-3', '3-3']);
    expect(outcome.sample).toHaveLength(3);
    expect(outcomeCount(outcome)).toBe(3);
    expect(part.progress).toMatchObject({ done: 3, total: 3, unit: 'cells' });

    const again = await sweepStore(persistence, vector);
    await again.store.getState().reopenExperiment();
    expect(again.store.getState().experimentParts[0]).toMatchObject({ status: 'done', fromStore: true });

    store.getState().pickSweepRange(2, 3);
    const settings = store.getState().experimentSettings;
    expect(settings).toMatchObject({ experiment: 'ovector', blocks: '2-3', vector: vector.id });
    expect(settings.datasets).toEqual(DEFAULT_DATASETS.ovector);
    expect(store.getState().experimentParts).toEqual([]);
    store.getState().pickSweepRange(3, 3);
    expect(store.getState().experimentSettings.blocks).toBe('3');
    expect(store.getState().openExample(0, 1)).toBe(false);
  });

  it('a cancelled sweep keeps its finished ranges and resumes from them, to the same cells', async () => {
    const { store, vector, persistence } = await sweepStore();
    const unsubscribe = store.subscribe((s) => {
      if ((s.experimentParts[0]?.progress?.done ?? 0) >= 1) {
        unsubscribe();
        s.cancelExperiment();
      }
    });
    await store.getState().runExperiment();
    const cancelled = store.getState().experimentParts[0]!;
    expect(cancelled.status).toBe('cancelled');
    const stored = persistence.entries.get(cancelled.key!)!.results.length;
    expect(stored).toBeGreaterThanOrEqual(1);
    expect(stored).toBeLessThan(3);
    await store.getState().reopenExperiment();
    expect(store.getState().experimentParts[0]).toMatchObject({ status: 'stored', storedDone: stored });
    await store.getState().runExperiment();
    const resumed = store.getState().experimentParts[0]!;
    expect(resumed).toMatchObject({ status: 'done', storedDone: stored });

    const fresh = await sweepStore(memoryExperimentPersistence(), vector);
    await fresh.store.getState().runExperiment();
    expect((resumed.outcome as SweepResult).cells).toEqual(
      (fresh.store.getState().experimentParts[0]!.outcome as SweepResult).cells,
    );
  });

  it('the query string carries the sweep and its sample', () => {
    const settings = {
      ...DEFAULT_EXPERIMENT_SETTINGS,
      experiment: 'sweep' as const,
      datasets: DEFAULT_DATASETS.sweep,
      vector: 'v1',
      sample: 4,
    };
    const search = writeExperimentParams('', 'experiments', settings);
    expect(search).toContain('exp=sweep');
    expect(readExperimentParams(search)).toEqual({ page: 'experiments', settings, problems: [] });
  });
});
