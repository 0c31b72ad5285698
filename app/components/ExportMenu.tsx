/** PNG and SVG of a chart, CSV and JSON of the data behind it (test ids `export-<chart>-<format>`). */
import type { ReactElement, RefObject } from 'react';
import { exportPng, exportSvg } from '../charts/exportChart.ts';
import { downloadBlob } from '../download.ts';

export interface ExportMenuProps {
  /** 'heatmap' or 'rank': part of the test ids and file names. */
  chart: string;
  svgRef: RefObject<SVGSVGElement | null>;
  csv: () => string;
  json: () => string;
  /** File name without extension. */
  fileBase: string;
  disabled?: boolean;
}

export function ExportMenu({ chart, svgRef, csv, json, fileBase, disabled }: ExportMenuProps): ReactElement {
  const save = async (format: 'png' | 'svg' | 'csv' | 'json'): Promise<void> => {
    const svg = svgRef.current;
    let blob: Blob;
    if (format === 'png' || format === 'svg') {
      if (!svg) return;
      blob = format === 'png' ? await exportPng(svg) : exportSvg(svg);
    } else if (format === 'csv') {
      blob = new Blob([csv()], { type: 'text/csv;charset=utf-8' });
    } else {
      blob = new Blob([json()], { type: 'application/json' });
    }
    downloadBlob(blob, `${fileBase}.${format}`);
  };
  return (
    <fieldset className="export-menu" aria-label={`Export the ${chart}`}>
      <span className="export-label">Export</span>
      {(['png', 'svg', 'csv', 'json'] as const).map((format) => (
        <button
          key={format}
          type="button"
          data-testid={`export-${chart}-${format}`}
          disabled={disabled}
          onClick={() => void save(format)}
        >
          {format.toUpperCase()}
        </button>
      ))}
    </fieldset>
  );
}
