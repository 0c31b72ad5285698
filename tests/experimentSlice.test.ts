/**
 * The Experiments view's slice on the real engine in process: runs go through the shared module,
 * results are stored per batch (an interrupted run resumes from them, a finished one reopens without
 * running), uploads report bad rows by line, and an example opens in the single-prompt views with
 * the run's intervention. Also the persistence journal and the URL's query string.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryExperimentPersistence, resultJournal } from '../app/experiments/experimentPersistence.ts';
import { experimentRequest, requestKey } from '../app/experiments/experimentRequest.ts';
import { DEFAULT_EXPERIMENT_SETTINGS } from '../app/experiments/experimentSettings.ts';
import { readExperimentParams, writeExperimentParams } from '../app/experiments/experimentUrl.ts';
import type { LensStore } from '../app/store/lensStore.ts';
import type { OvectorResult, StagesResult } from '../workers/experiments/index.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { experimentStore } from './support/experimentStore.ts';
import type { InProcessClient } from './support/inProcessClient.ts';

const builtin = testCheckpoint('builtin', { nLayer: 2, nEmbd: 32, nHead: 2, nPositions: 128, seed: 5 }).files;
const clients: InProcessClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
});

async function ready(persistence = memoryExperimentPersistence()) {
  const setup = await experimentStore(builtin, persistence);
  clients.push(setup.client);
  expect(setup.loaded).toBe(true);
  return setup;
}

const runCalls = (client: InProcessClient) => client.calls.filter((c) => c.method === 'runExperiment').length;

function cancelWhenDone(store: LensStore, done: number): void {
  const unsubscribe = store.subscribe((s) => {
    if ((s.experimentParts[0]?.progress?.done ?? 0) >= done) {
      unsubscribe();
      s.cancelExperiment();
    }
  });
}

describe('experiment slice', () => {
  it('runs stages, stores the outcome, and reopens it in a new page without running', async () => {
    const { store, client, persistence } = await ready();
    store.getState().setExperimentSettings({ limit: 5 });
    await store.getState().runExperiment();
    const part = store.getState().experimentParts[0]!;
    expect(part.status).toBe('done');
    const outcome = part.outcome as StagesResult;
    expect(outcome.summary.count).toBe(5);
    expect(outcome.summary.meanReciprocalRank.all.answer).toHaveLength(5);
    expect(part.progress).toMatchObject({ done: 5, total: 5 });
    expect(runCalls(client)).toBe(1);

    const again = await ready(persistence);
    again.store.getState().setExperimentSettings({ limit: 5 });
    await again.store.getState().reopenExperiment();
    const reopened = again.store.getState().experimentParts[0]!;
    expect(reopened).toMatchObject({ status: 'done', fromStore: true, key: part.key });
    expect(reopened.outcome).toEqual(outcome);
    expect(runCalls(again.client)).toBe(0);
  });

  it('keeps each batch of a cancelled run and resumes from it', async () => {
    const { store, persistence } = await ready();
    store.getState().setExperimentSettings({ limit: 6 });
    cancelWhenDone(store, 2);
    await store.getState().runExperiment({ batchSize: 2 });
    const cancelled = store.getState().experimentParts[0]!;
    expect(cancelled.status).toBe('cancelled');
    const stored = persistence.entries.get(cancelled.key!)!;
    expect(stored.outcome).toBeUndefined();
    expect(stored.results.length).toBeGreaterThanOrEqual(2);
    expect(stored.results.length).toBeLessThan(6);

    // a reload sees the unfinished run, then resumes it
    const again = await ready(persistence);
    again.store.getState().setExperimentSettings({ limit: 6 });
    await again.store.getState().reopenExperiment();
    expect(again.store.getState().experimentParts[0]).toMatchObject({
      status: 'stored',
      storedDone: stored.results.length,
    });
    const seen: number[] = [];
    again.store.subscribe((s) => {
      const done = s.experimentParts[0]?.progress?.done;
      if (done !== undefined && seen.at(-1) !== done) seen.push(done);
    });
    await again.store.getState().runExperiment({ batchSize: 2 });
    const resumed = again.store.getState().experimentParts[0]!;
    expect(resumed.status).toBe('done');
    expect(resumed.storedDone).toBe(stored.results.length);
    expect(seen[0]).toBe(stored.results.length);

    // the same numbers as one uninterrupted run
    const fresh = await ready();
    fresh.store.getState().setExperimentSettings({ limit: 6 });
    await fresh.store.getState().runExperiment({ batchSize: 2 });
    expect(resumed.outcome).toEqual(fresh.store.getState().experimentParts[0]!.outcome);
  });

  it('runs the o-vector transfer in and out of domain and opens an example with the vector on its blocks', async () => {
    const { store } = await ready();
    const vector = await store.getState().captureVector(1, 'ffn');
    expect(vector).toBeDefined();
    store.getState().chooseExperiment('ovector');
    store.getState().setExperimentSettings({ vector: vector!.id, limit: 3 });
    await store.getState().runExperiment();
    const parts = store.getState().experimentParts;
    expect(parts.map((p) => [p.role, p.status])).toEqual([
      ['in domain', 'done'],
      ['out of domain', 'done'],
    ]);
    const outcome = parts[0]!.outcome as OvectorResult;
    expect(outcome.settings.blocks).toEqual({ from: 1, to: 1 });
    const first = outcome.examples[0]!;
    expect(store.getState().openExample(0, first.id)).toBe(true);
    const s = store.getState();
    expect(s.page).toBe('workspace');
    expect(s.prompt).toBe(parts[0]!.examples[0]!.prompt);
    expect(s.pins.answer?.id).toBe(first.answer.id);
    expect(s.interventions.slots).toEqual([{ block: 1, kind: 'ffn', mode: 'replace', vectorId: vector!.id }]);
    expect(s.view.front).toBe('compare');
  });

  it('runs the ablation per variant and opens a step with its sublayers zeroed', async () => {
    const { store } = await ready();
    store.getState().chooseExperiment('ablate');
    store.getState().setExperimentSettings({ limit: 2, steps: 2 });
    await store.getState().runExperiment();
    const [abstractive, extractive] = store.getState().experimentParts;
    expect(abstractive!.outcome?.experiment).toBe('ablate');
    expect(extractive!.role).toBe('extractive');
    const id = abstractive!.examples[0]!.id;
    expect(store.getState().openExample(0, id, 2)).toBe(true);
    expect(store.getState().interventions.slots).toEqual([
      { block: 0, kind: 'ffn', mode: 'zero' },
      { block: 1, kind: 'ffn', mode: 'zero' },
    ]);
  });

  it('an o-vector run without a vector says what to do', async () => {
    const { store } = await ready();
    store.getState().chooseExperiment('ovector');
    await store.getState().runExperiment();
    expect(store.getState().experimentError).toMatch(/Pick an o-vector/);
    expect(store.getState().experimentRunning).toBe(false);
  });

  it('refuses an upload with bad rows, naming each line, and runs a good one', async () => {
    const { store } = await ready();
    const errors = store
      .getState()
      .uploadDataset('mine.jsonl', '{"prompt":"a","answer":" b"}\n{"prompt":"c"}\nnot json\n');
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
    expect(store.getState().uploadErrors?.name).toBe('mine.jsonl');
    expect(
      store.getState().uploadDataset('ok.csv', 'prompt,answer\nThe capital of France is, Paris\n'),
    ).toEqual([]);
    store.getState().setExperimentSettings({ datasets: ['upload:ok.csv'] });
    await store.getState().runExperiment();
    const outcome = store.getState().experimentParts[0]!.outcome;
    expect(outcome && 'examples' in outcome ? outcome.examples : []).toHaveLength(1);
  });
});

describe('experiment persistence and links', () => {
  it('the journal writes batches in order and ends with the outcome alone', async () => {
    const persistence = memoryExperimentPersistence();
    const journal = resultJournal(persistence, 'k', []);
    const result = (id: number) => ({ id }) as never;
    void journal.append([result(1)]);
    void journal.append([result(2)]);
    await journal.flushed();
    expect(persistence.entries.get('k')!.results).toEqual([{ id: 1 }, { id: 2 }]);
    await journal.finish({ experiment: 'stages', examples: [] } as never);
    expect(persistence.entries.get('k')).toMatchObject({ results: [], outcome: { experiment: 'stages' } });
  });

  it('keys results by model and revision, data set hash and settings (the vector by value), not the batch size', async () => {
    const set = { name: 'x', examples: [] };
    const identity = { model: 'gpt2', revision: 'abc', datasetHash: 'h' };
    const settings = { ...DEFAULT_EXPERIMENT_SETTINGS, experiment: 'ovector' as const };
    const key = (s: typeof settings, id = identity, v = new Float32Array([1, 2])) =>
      requestKey(experimentRequest(s, set, { nLayer: 4 }, v), id);
    const base = await key(settings);
    expect(await key({ ...settings, batch: 4 })).toBe(base);
    expect(await key(settings, identity, new Float32Array([1, 2]))).toBe(base);
    expect(await key(settings, identity, new Float32Array([1, 3]))).not.toBe(base);
    expect(await key(settings, { ...identity, revision: 'def' })).not.toBe(base);
    expect(await key(settings, { ...identity, datasetHash: 'g' })).not.toBe(base);
    expect(await key({ ...settings, blocks: '1-2' })).not.toBe(base);
    expect(await key({ ...settings, positions: 'last' })).not.toBe(base);
    expect(base).toContain('|ovector|gpt2@abc|h|');
  });

  it('the query string holds the settings and reads back the same', () => {
    const settings = {
      ...DEFAULT_EXPERIMENT_SETTINGS,
      experiment: 'ovector' as const,
      datasets: ['builtin:random-colors', 'upload:mine.csv'],
      limit: 8,
      vector: 'v1',
      blocks: '2-3',
      mode: 'add' as const,
      scale: 2.5,
      positions: 'last' as const,
      batch: 4,
    };
    const search = writeExperimentParams('?backend=wasm', 'experiments', settings);
    expect(search).toContain('backend=wasm');
    expect(readExperimentParams(search)).toEqual({ page: 'experiments', settings, problems: [] });
    expect(writeExperimentParams(search, 'workspace', settings)).toBe('?backend=wasm');
    expect(readExperimentParams('?exp=nope&limit=-1')!.problems).toHaveLength(2);
    expect(readExperimentParams('?backend=wasm')).toBeUndefined();
  });
});
