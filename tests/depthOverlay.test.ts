/**
 * Figure 3 across models: which stored runs may overlay a run (same experiment, data set hash and
 * settings, another model), their series on the relative-depth axis, and the slice that lists and
 * picks them from the store of results.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { depthOverlaySpec, relativeDepthSeries } from '../app/experiments/figures/depthOverlay.ts';
import { modelLabel, overlayCandidates, parseExperimentKey } from '../app/experiments/overlayRuns.ts';
import type { StagesResult } from '../workers/experiments/index.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { experimentStore, memoryExperimentPersistence } from './support/experimentStore.ts';
import type { InProcessClient } from './support/inProcessClient.ts';

const key = (experiment: string, model: string, data = 'd1', settings = 's1') =>
  `lenslab-experiment/v1|${experiment}|${model}|${data}|${settings}`;

describe('overlay candidates', () => {
  it('keeps other models of the same experiment, data set and settings, by model name', () => {
    const mine = key('stages', 'builtin@builtin');
    const keys = [
      mine,
      key('stages', 'gpt2@abc'),
      key('stages', 'gpt2-medium@def'),
      key('stages', 'gpt2@abc', 'd2'),
      key('stages', 'gpt2@abc', 'd1', 's2'),
      key('ovector', 'gpt2@abc'),
      'not a key',
    ];
    expect(overlayCandidates(mine, keys)).toEqual([
      { key: key('stages', 'gpt2-medium@def'), model: 'gpt2-medium@def' },
      { key: key('stages', 'gpt2@abc'), model: 'gpt2@abc' },
    ]);
    expect(overlayCandidates('nope', keys)).toEqual([]);
    expect(parseExperimentKey(mine)).toEqual({
      experiment: 'stages',
      model: 'builtin@builtin',
      datasetHash: 'd1',
      settingsHash: 's1',
    });
  });

  it('labels models without a long revision', () => {
    expect(modelLabel('builtin@builtin')).toBe('builtin');
    expect(modelLabel('gpt2-medium@0123456789abcdef')).toBe('gpt2-medium @0123456');
    expect(modelLabel('plain')).toBe('plain');
  });
});

const run = (nLayer: number, answer: number[], argument: number[]) => ({
  model: { nLayer } as StagesResult['model'],
  summary: {
    count: 4,
    relativeDepth: Array.from({ length: 2 * nLayer + 1 }, (_, s) => s / (2 * nLayer)),
    meanReciprocalRank: { all: { answer, argument }, correct: { answer: null, argument: null } },
  } as unknown as StagesResult['summary'],
});

describe('relative-depth series', () => {
  it('puts models of different depths on 0-1, two series (answer solid, argument dashed) per model', () => {
    const shallow = run(2, [0, 0.1, 0.2, 0.5, 0.9], [0, 0.5, 0.4, 0.2, 0.1]);
    const deep = run(4, [0, 0, 0.1, 0.1, 0.2, 0.3, 0.6, 0.8, 0.9], [0, 0.2, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0]);
    const series = relativeDepthSeries([
      { label: 'a', outcome: shallow },
      { label: 'b', outcome: deep },
    ]);
    expect(series.map((s) => [s.label, s.dashed ?? false])).toEqual([
      ['a · answer', false],
      ['a · argument', true],
      ['b · answer', false],
      ['b · argument', true],
    ]);
    expect(series[0]!.points.map((p) => p.x)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(series[2]!.points.map((p) => p.x)).toEqual([0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
    expect(series[2]!.points[6]).toEqual({ x: 0.75, y: 0.6 });
    // one colour per model, shared by its two series
    expect(series[0]!.color).toBe(series[1]!.color);
    expect(series[0]!.color).not.toBe(series[2]!.color);
    const spec = depthOverlaySpec([{ label: 'a', outcome: shallow }], 'world-capitals');
    expect(spec.xDomain).toEqual([0, 1]);
    expect(spec.note).toContain('a 2 blocks');
  });
});

const clients: InProcessClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
});

describe('the overlay through the slice', () => {
  it('lists another model’s finished run of the same data set and settings, and picks it', async () => {
    const persistence = memoryExperimentPersistence();
    const shallow = await experimentStore(
      testCheckpoint('builtin', { nLayer: 2, nEmbd: 32, nHead: 2, nPositions: 128, seed: 5 }).files,
      persistence,
    );
    const otherStore = memoryExperimentPersistence();
    const deep = await experimentStore(
      testCheckpoint('builtin', { nLayer: 4, nEmbd: 32, nHead: 2, nPositions: 128, seed: 6 }).files,
      otherStore,
    );
    clients.push(shallow.client, deep.client);
    for (const s of [shallow.store, deep.store]) {
      s.getState().setExperimentSettings({ limit: 3 });
      await s.getState().runExperiment();
    }
    const mine = shallow.store.getState().experimentParts[0]!.key!;
    // the deeper model's run as another model's (the keys differ only in model@revision)
    const [deepEntry] = otherStore.entries.values();
    const otherKey = deepEntry!.key.replace('|builtin@builtin|', '|gpt2-deep@r1|');
    await persistence.put({ ...deepEntry!, key: otherKey });
    await persistence.put({ ...deepEntry!, key: otherKey.replace('|stages|', '|ablate|') });

    await shallow.store.getState().findOverlayRuns(mine);
    const state = shallow.store.getState();
    expect(state.overlayRuns.map((r) => [r.model, r.outcome.model.nLayer])).toEqual([['gpt2-deep@r1', 4]]);
    expect(state.overlaySelected).toEqual([]);
    state.toggleOverlayRun(otherKey);
    expect(shallow.store.getState().overlaySelected).toEqual([otherKey]);
    // the same part again keeps the pick; another part starts with nothing picked (its own list)
    await shallow.store.getState().findOverlayRuns(mine);
    expect(shallow.store.getState().overlaySelected).toEqual([otherKey]);
    await shallow.store.getState().findOverlayRuns(otherKey);
    expect(shallow.store.getState().overlaySelected).toEqual([]);
    expect(shallow.store.getState().overlayRuns.map((r) => r.model)).toEqual(['builtin@builtin']);
  });
});
