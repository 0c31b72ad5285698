/**
 * Canvas renderer for large heatmaps (more than CANVAS_CELL_THRESHOLD cells): colours, tokens and diff
 * marks are painted here, while the SVG overlay keeps labels, headers, focus and the test hooks.
 */
import { CELL_FONT, type CellView, DARK_TEXT, type HeatmapLayout } from './heatmapLayout.ts';

export function drawHeatmapCells(
  canvas: HTMLCanvasElement,
  layout: HeatmapLayout,
  cells: CellView[][],
  dpr: number,
): void {
  canvas.width = Math.round(layout.width * dpr);
  canvas.height = Math.round(layout.height * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, layout.width, layout.height);
  ctx.font = `${CELL_FONT}px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const { cellWidth: w, rowHeight: h } = layout;
  cells.forEach((row, r) => {
    row.forEach((cell, c) => {
      const x = layout.gridX + c * w;
      const y = layout.gridY + r * h;
      ctx.fillStyle = cell.fill;
      ctx.fillRect(x, y, w, h);
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
      if (cell.pending) {
        ctx.fillStyle = '#8a93a3';
        ctx.fillText('…', x + w / 2, y + h / 2);
        return;
      }
      ctx.save();
      ctx.beginPath();
      ctx.rect(x + 2, y, w - 4, h);
      ctx.clip();
      ctx.fillStyle = cell.textColor;
      ctx.fillText(cell.text, x + w / 2, y + h / 2 + 1);
      ctx.restore();
      if (cell.differs) {
        // black outline with a white inner line: visible on light and dark cells alike
        ctx.strokeStyle = DARK_TEXT;
        ctx.lineWidth = 3;
        ctx.strokeRect(x + 1.5, y + 1.5, w - 3, h - 3);
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 3.5, y + 3.5, w - 7, h - 7);
        ctx.fillStyle = DARK_TEXT;
        ctx.beginPath();
        ctx.moveTo(x + w - 12, y + 3);
        ctx.lineTo(x + w - 3, y + 3);
        ctx.lineTo(x + w - 3, y + 12);
        ctx.closePath();
        ctx.fill();
      }
    });
  });
}
