/**
 * The report as one self-contained HTML file: inline CSS, the figures as inline SVG (rendered by the
 * caller from the same chart specs the page draws), the paper-vs-this-run tables, the run's identity
 * (model, revision, data set hashes, backend, LensLab version, date) and the report's JSON embedded.
 * Nothing executable and no external reference, so it opens offline anywhere.
 */
import type { ReproduceReport } from './reportModel.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;color:#1d2430;max-width:1160px;margin:24px auto;padding:0 16px}
h1{font-size:24px}h2{font-size:19px;margin-top:32px}table{border-collapse:collapse;margin:8px 0 16px}
th,td{border:1px solid #d1d5db;padding:4px 10px;text-align:left;vertical-align:top}th{background:#f3f4f6}
.banner{background:#fff7ed;border:1px solid #fdba74;border-radius:6px;padding:8px 12px;color:#7c2d12}
.figures{display:flex;flex-wrap:wrap;gap:12px}.figures svg{max-width:100%;height:auto}code{font-size:13px}`;

/** `figures[i]`: the SVG markup of section i's figures, in order. */
export function reportHtml(report: ReproduceReport, figures: readonly string[][]): string {
  const m = report.model;
  const meta: Array<[string, string]> = [
    ['Model', `${m.name} @ ${m.revision} (${m.nLayer} blocks, d_model ${m.nEmbd})`],
    ['Backend', report.backend],
    ['LensLab', report.lenslabVersion],
    ['Date', report.date],
  ];
  const sections = report.sections.map((section, i) => {
    const rows = section.rows
      .map(
        (r) =>
          `<tr><td>${escapeHtml(r.metric)}</td><td>${escapeHtml(r.paper)}</td><td>${escapeHtml(r.thisRun)}</td></tr>`,
      )
      .join('');
    const data = section.data
      .map(
        (d) =>
          `<tr><td>${escapeHtml(d.role)}</td><td>${escapeHtml(d.ref)}</td><td>${d.examples}${d.skipped ? ` (+${d.skipped} skipped)` : ''}</td><td><code>${escapeHtml(d.sha256)}</code></td></tr>`,
      )
      .join('');
    return `<section data-figure="${section.figure}">
<h2>${escapeHtml(section.title)}</h2>
${section.vectorNote ? `<p>${escapeHtml(section.vectorNote)}</p>` : ''}
<div class="figures">${(figures[i] ?? []).join('\n')}</div>
<table><thead><tr><th>metric</th><th>paper</th><th>this run</th></tr></thead><tbody>${rows}</tbody></table>
<table><thead><tr><th>data set</th><th>name</th><th>examples</th><th>SHA-256</th></tr></thead><tbody>${data}</tbody></table>
</section>`;
  });
  // the JSON rides along for machines; "<" is escaped so no "</script>" inside it can end the block
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LensLab: reproducing Merullo et al. on ${escapeHtml(m.name)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body>
<h1>Language Models Implement Simple Word2Vec-style Vector Arithmetic: reproduced on ${escapeHtml(m.name)}</h1>
${m.builtin ? '<p class="banner" role="note">The built-in model has random weights: the numbers below mean nothing; they show that the pipeline runs.</p>' : ''}
<table><tbody>${meta.map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>
${sections.join('\n')}
<script type="application/json" id="lenslab-report">${json}</script>
</body></html>
`;
}
