/**
 * axe-core (the standard accessibility rule engine) in an e2e page: injected from the package and run
 * on the whole document with its default rules. `audit` attaches every finding of a view to the report
 * and fails (softly, so every view is audited) on serious or critical ones.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page, TestInfo } from '@playwright/test';
import type { AxeResults, Result, RunOptions } from 'axe-core';
import { expect } from './fixtures.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const FAILING_IMPACTS: ReadonlySet<string> = new Set(['serious', 'critical']);

export interface Finding {
  view: string;
  rule: string;
  impact: string;
  nodes: number;
}

type AxeWindow = { axe?: { run(context: Document, options: RunOptions): Promise<AxeResults> } };

/** axe's results for the page as it is now (injected once per document). */
export async function runAxe(page: Page): Promise<AxeResults> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(() => {
    const { axe } = window as unknown as AxeWindow;
    // nodes in full only where there is something to read: passes would be the whole page again
    return axe!.run(document, { resultTypes: ['violations', 'incomplete'] });
  });
}

/** A finding with the first places it was seen, for a failure message that says where to look. */
const describe = (v: Result): string =>
  `${v.id} (${v.impact}, ${v.nodes.length}): ${v.help}; ${v.nodes
    .slice(0, 3)
    .map((n) => n.target.join(' '))
    .join(' | ')}`;

/** Audits the page as `view`; its findings are attached as `axe-<view>.json` and added to `found`. */
export async function audit(page: Page, testInfo: TestInfo, view: string, found: Finding[]): Promise<void> {
  const results = await runAxe(page);
  const report = {
    view,
    url: results.url,
    engine: results.testEngine,
    violations: results.violations,
    incomplete: results.incomplete,
    passes: results.passes.map((r) => r.id),
    inapplicable: results.inapplicable.map((r) => r.id),
  };
  await testInfo.attach(`axe-${view}.json`, {
    body: JSON.stringify(report, null, 2),
    contentType: 'application/json',
  });
  for (const v of results.violations)
    found.push({ view, rule: v.id, impact: v.impact ?? 'unknown', nodes: v.nodes.length });
  const failing = results.violations.filter((v) => FAILING_IMPACTS.has(v.impact ?? ''));
  expect.soft(failing.map(describe), `serious or critical axe findings on ${view}`).toEqual([]);
}
