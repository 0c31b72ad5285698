/** The report's two exports: the HTML file (figures rendered to inline SVG here) and the JSON. */
import { renderToStaticMarkup } from 'react-dom/server';
import { LineChart } from '../figures/LineChart.tsx';
import { reportHtml } from './reportHtml.ts';
import { type ReproduceReport, sectionSpecs } from './reportModel.ts';

/** Width of the report's figures: two Figure 5 panels side by side in a 1160 px page. */
const FIGURE_WIDTH = 560;

export function reportHtmlFile(report: ReproduceReport): string {
  const figures = report.sections.map((section, i) =>
    sectionSpecs(section).map((spec, j) =>
      renderToStaticMarkup(<LineChart spec={spec} width={FIGURE_WIDTH} testId={`report-figure-${i}-${j}`} />),
    ),
  );
  return reportHtml(report, figures);
}

export function reportJsonFile(report: ReproduceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
