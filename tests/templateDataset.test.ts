/**
 * The template builder ("Your own data"): a one-shot template and pairs typed one a line become a
 * data set like an upload (same refs, same hash as the same examples uploaded as a file); bad lines
 * are reported by number and refuse the list, never dropped.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset, parseUpload } from '../app/experiments/experimentData.ts';
import { EXAMPLE_TEMPLATE, templateDataset, wholePromptProblem } from '../app/experiments/templateDataset.ts';
import { canonicalJsonl } from '../workers/experiments/index.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { experimentStore, memoryExperimentPersistence } from './support/experimentStore.ts';

const input = (patch: Partial<Parameters<typeof templateDataset>[0]> = {}) => ({
  name: 'capitals',
  template: EXAMPLE_TEMPLATE,
  shot: 'France, Paris',
  pairs: 'Poland, Warsaw\n\nJapan\tTokyo\n',
  ...patch,
});

describe('templateDataset', () => {
  it('builds the whole-prompt form: the shot filled in, the question cut before its answer', () => {
    const { dataset, errors } = templateDataset(input());
    expect(errors).toEqual([]);
    expect(dataset!.name).toBe('capitals');
    expect(dataset!.examples).toEqual([
      {
        id: 1,
        prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
        answer: ' Warsaw',
        argument: ' Poland',
      },
      {
        id: 2,
        prompt: 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Japan?\nA:',
        answer: ' Tokyo',
        argument: ' Japan',
      },
    ]);
  });

  it("the question form gives the same prompts as the whole-prompt form (the built-in sets' form)", () => {
    const question = templateDataset(
      input({ template: 'Q: What is the capital of {argument}?\nA: {answer}' }),
    );
    expect(question.dataset!.examples).toEqual(templateDataset(input()).dataset!.examples);
  });

  it('reports every bad line by its number and keeps nothing', () => {
    const outcome = templateDataset(
      input({ pairs: 'Poland, Warsaw\nonly one\n\n"Washington, D.C.",Olympia\na,b,c\n, x' }),
    );
    expect(outcome.dataset).toBeUndefined();
    expect(outcome.errors.map((e) => e.line)).toEqual([2, 5, 6]);
    expect(outcome.errors[0]!.message).toMatch(/argument, answer/);
  });

  it('names what is wrong with the template, the shot, the name or an empty list', () => {
    expect(templateDataset(input({ template: 'Q: {argument}?' })).problem).toMatch(/\{answer\} exactly once/);
    expect(templateDataset(input({ template: 'A: {answer} Q: {argument} {argument}' })).problem).toMatch(
      /whole-prompt/,
    );
    expect(wholePromptProblem('{argument} {answer} {argument}')).toMatch(/text around/);
    expect(templateDataset(input({ shot: 'France' })).problem).toMatch(/^shot/);
    expect(templateDataset(input({ name: ' ' })).problem).toMatch(/name/);
    expect(templateDataset(input({ pairs: '\n\n' })).problem).toMatch(/no pairs/);
  });

  it('hashes like the same examples uploaded as a file', async () => {
    const built = templateDataset(input()).dataset!;
    const file = parseUpload('same.jsonl', await canonicalJsonl(built.examples)).dataset!;
    const fetchData = async () => '';
    const a = await loadDataset('upload:capitals', fetchData, { capitals: built });
    const b = await loadDataset('upload:same.jsonl', fetchData, { 'same.jsonl': file });
    expect(a.hash).toBe(b.hash);
    expect(a.set.examples).toEqual(built.examples);
  });
});

describe('the template builder through the slice', () => {
  it('refuses a list with bad lines (naming them), keeps a good one as a data set, and runs it', async () => {
    const builtin = testCheckpoint('builtin', {
      nLayer: 2,
      nEmbd: 32,
      nHead: 2,
      nPositions: 128,
      seed: 5,
    }).files;
    const { store, client } = await experimentStore(builtin, memoryExperimentPersistence());
    try {
      const refused = store.getState().buildTemplateDataset(input({ pairs: 'Poland, Warsaw\nnope' }));
      expect(refused.dataset).toBeUndefined();
      expect(store.getState().templateErrors?.errors.map((e) => e.line)).toEqual([2]);
      expect(store.getState().uploads.capitals).toBeUndefined();

      store.getState().buildTemplateDataset(input());
      expect(store.getState().templateErrors).toBeUndefined();
      expect(store.getState().uploads.capitals?.examples).toHaveLength(2);
      store.getState().setExperimentSettings({ datasets: ['upload:capitals'] });
      await store.getState().runExperiment();
      const part = store.getState().experimentParts[0]!;
      expect(part.status).toBe('done');
      const hash = (await loadDataset('upload:capitals', async () => '', store.getState().uploads)).hash;
      expect(part.hash).toBe(hash);
      expect(part.key).toContain(hash);
    } finally {
      await client.dispose();
    }
  });
});
