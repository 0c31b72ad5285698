/**
 * "Reproduce the paper" on the in-process engine: the three experiments run through the experiment
 * slice (o_city captured on a model that is not gpt2-medium), the paper table has a row per reported
 * number, and the report's HTML is one self-contained file: inline SVG figures, no external
 * reference, nothing executable, the JSON embedded; text is escaped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryExperimentPersistence } from '../app/experiments/experimentPersistence.ts';
import { figure5Rows } from '../app/experiments/reproduce/paperValues.ts';
import { reportHtmlFile } from '../app/experiments/reproduce/reportFiles.tsx';
import { escapeHtml } from '../app/experiments/reproduce/reportHtml.ts';
import { buildReport, sectionSpecs } from '../app/experiments/reproduce/reportModel.ts';
import { reproducePlan, usesReleasedVector } from '../app/experiments/reproduce/reproducePlan.ts';
import type { OvectorResult } from '../workers/experiments/index.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { experimentStore } from './support/experimentStore.ts';
import type { InProcessClient } from './support/inProcessClient.ts';

const builtin = testCheckpoint('builtin', { nLayer: 2, nEmbd: 32, nHead: 2, nPositions: 256, seed: 8 }).files;

const clients: InProcessClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
});

describe('reproduce the paper', () => {
  it('plans the released o_city on gpt2-medium and a capture elsewhere', () => {
    expect(usesReleasedVector({ nEmbd: 1024, nLayer: 24 })).toBe(true);
    const medium = reproducePlan({ nEmbd: 1024, nLayer: 24 });
    expect(medium[1]!.settings.vector).toBe('asset:paper/city_capital_o19_gpt2-medium.npy');
    expect(medium[1]!.capture).toBeUndefined();
    const small = reproducePlan({ nEmbd: 768, nLayer: 12 }, 5);
    expect(small[1]!.capture?.block).toBe(9);
    expect(small.map((s) => [s.figure, s.settings.experiment, s.settings.limit])).toEqual([
      [3, 'stages', 5],
      [5, 'ovector', 5],
      [7, 'ablate', 5],
    ]);
  });

  it('runs Figures 3, 5 and 7 and builds a self-contained HTML report', async () => {
    const { store, client, loaded } = await experimentStore(builtin, memoryExperimentPersistence());
    clients.push(client);
    expect(loaded).toBe(true);
    store.getState().setReproduceLimit(3);
    await store.getState().runReproduction();
    const { reproduce } = store.getState();
    expect(reproduce.status).toBe('done');
    expect(reproduce.sections.map((s) => [s.figure, s.parts.length, s.status])).toEqual([
      [3, 1, 'done'],
      [5, 2, 'done'],
      [7, 2, 'done'],
    ]);
    expect(reproduce.sections[1]!.vectorNote).toMatch(/captured on this model: FFN 1/);

    const report = buildReport({
      version: '0.1.0',
      date: new Date('2026-01-02T03:04:05Z'),
      model: { name: 'builtin', revision: 'builtin', nLayer: 2, nEmbd: 32, builtin: true },
      backend: 'wasm',
      sections: reproduce.sections,
    });
    expect(report.sections.map((s) => s.rows.length)).toEqual([4, 6, 2]);
    expect(report.sections[0]!.data[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.sections.map((s) => sectionSpecs(s).length)).toEqual([1, 2, 1]);

    const html = reportHtmlFile(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg/g)).toHaveLength(4);
    expect(html).toContain('random weights');
    expect(html).toContain('2026-01-02T03:04:05.000Z');
    expect(html).not.toMatch(/<script(?! type="application\/json")/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const json = /<script type="application\/json" id="lenslab-report">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json).sections[1].rows[2].paper).toBe('37%');
  });

  it('states the paper rows as ranks, and escapes text', () => {
    const outcome = {
      summary: { meanReciprocalRank: { control: [0, 0.1], intervened: [0, 0.25] }, noEffectRate: 0.37 },
    } as unknown as OvectorResult;
    const rows = figure5Rows(outcome, undefined);
    expect(rows.map((r) => r.thisRun)).toEqual(['0.100 (rank ≈ 10.0)', '0.250 (rank ≈ 4.0)', '37.0%']);
    expect(escapeHtml('<a href="x">&\'</a>')).toBe('&#60;a href=&#34;x&#34;&#62;&#38;&#39;&#60;/a&#62;');
  });
});
