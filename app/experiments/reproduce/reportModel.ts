/**
 * The report of a reproduction as data (the JSON export, and what the HTML is built from): the model
 * and its revision, backend, LensLab version, date, and per figure its settings, data sets (with
 * their hashes), outcomes and the paper-vs-this-run table.
 */
import type { AblationResult, OvectorResult, StagesResult } from '../../../workers/experiments/index.ts';
import type { ExperimentPart } from '../../store/experimentSlice.ts';
import type { ReproduceSection } from '../../store/reproduceSlice.ts';
import { datasetLabel, type ExperimentSettings } from '../experimentSettings.ts';
import { figure3Spec, figure5Spec, figure7Spec } from '../figures/figureSpecs.ts';
import type { ChartSpec } from '../figures/lineChartLayout.ts';
import { outcomeCount } from '../storedRun.ts';
import { figure3Rows, figure5Rows, figure7Rows, type PaperRow } from './paperValues.ts';
import type { PaperFigure } from './reproducePlan.ts';

export interface ReportSection {
  figure: PaperFigure;
  title: string;
  settings: ExperimentSettings;
  vectorNote?: string;
  data: Array<{ ref: string; role: string; sha256: string; examples: number; skipped: number }>;
  rows: PaperRow[];
  outcomes: Array<{ role: string; ref: string; outcome: ExperimentPart['outcome'] }>;
}

export interface ReproduceReport {
  kind: 'lenslab-reproduction';
  lenslabVersion: string;
  date: string;
  model: { name: string; revision: string; nLayer: number; nEmbd: number; builtin: boolean };
  backend: string;
  sections: ReportSection[];
}

const TITLES: Record<PaperFigure, string> = {
  3: 'Figure 3: argument formation and function application (world capitals)',
  5: 'Figure 5: o_city transferred to contexts without the task (world capitals, US states)',
  7: 'Figure 7: removing the top FFNs, abstractive vs extractive (colored objects)',
};

export function buildReport(input: {
  version: string;
  date: Date;
  model: ReproduceReport['model'];
  backend: string;
  sections: readonly ReproduceSection[];
}): ReproduceReport {
  return {
    kind: 'lenslab-reproduction',
    lenslabVersion: input.version,
    date: input.date.toISOString(),
    model: input.model,
    backend: input.backend,
    sections: input.sections.map((section) => {
      const done = section.parts.filter((p) => p.outcome);
      const outcome = (i: number) => section.parts[i]?.outcome;
      const rows =
        section.figure === 3
          ? figure3Rows(outcome(0) as StagesResult | undefined)
          : section.figure === 5
            ? figure5Rows(outcome(0) as OvectorResult | undefined, outcome(1) as OvectorResult | undefined)
            : figure7Rows(outcome(0) as AblationResult | undefined, outcome(1) as AblationResult | undefined);
      return {
        figure: section.figure,
        title: TITLES[section.figure],
        settings: section.settings,
        ...(section.vectorNote ? { vectorNote: section.vectorNote } : {}),
        data: section.parts.map((p) => ({
          ref: p.ref,
          role: p.role,
          sha256: p.hash ?? '',
          examples: p.outcome ? outcomeCount(p.outcome) : 0,
          skipped: p.outcome?.skipped.length ?? 0,
        })),
        rows,
        outcomes: done.map((p) => ({ role: p.role, ref: p.ref, outcome: p.outcome })),
      };
    }),
  };
}

/** The section's figures as chart specs (one per data set for Figures 3 and 5, one for Figure 7). */
export function sectionSpecs(section: ReportSection): ChartSpec[] {
  if (section.figure === 7) {
    const variants = section.outcomes.flatMap((o) =>
      o.outcome?.experiment === 'ablate'
        ? [{ role: o.role, dataLabel: datasetLabel(o.ref), outcome: o.outcome }]
        : [],
    );
    return variants.length ? [figure7Spec(variants)] : [];
  }
  return section.outcomes.flatMap((o) => {
    if (o.outcome?.experiment === 'stages') return [figure3Spec(o.outcome, datasetLabel(o.ref))];
    if (o.outcome?.experiment === 'ovector') return [figure5Spec(o.outcome, datasetLabel(o.ref), o.role)];
    return [];
  });
}
