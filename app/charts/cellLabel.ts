/**
 * A heatmap cell's accessible name. Speech-input users say what they see, so the name holds the
 * token the cell shows, and its cut form when the cell is too narrow for it ("␣Wars…"): WCAG 2.5.3,
 * label in name (axe's label-content-name-mismatch). Pure, so it is tested in Node.
 */
import { visibleBreaks } from '../tokenText.ts';
import { type CellView, formatProb, stateLabel } from './heatmapLayout.ts';

/**
 * A token as a screen reader should get it: quoted, so a leading space is kept as a space (not
 * "open box"), with the cells' glyphs for line breaks and tabs.
 */
export function spokenToken(text: string): string {
  return `'${visibleBreaks(text)}'`;
}

/**
 * `token` cut as the cell cuts it: `shown` is visibleToken(token) truncated, one code point per code
 * point of the token, the last an ellipsis; null when the cell shows it whole.
 */
function cutAs(token: string, shown: string, full: string): string | null {
  if (shown === full) return null;
  const kept = Array.from(shown).length - 1;
  return `'${visibleBreaks(Array.from(token).slice(0, kept).join(''))}…'`;
}

/**
 * "block 19, position 14 ' Warsaw': top-1 ' Warsaw' 43.2%"; with the cut form when the cell shows one
 * ("top-1 ' Washington', shown as ' Wash…', 43.2%") and the control's top-1 when it differs.
 */
export function cellLabel(state: number, col: number, token: string, cell: CellView | undefined): string {
  const where = `${stateLabel(state)}, position ${col} ${spokenToken(token)}`;
  if (!cell || cell.pending) return `${where}: not computed yet`;
  if (cell.missing) return `${where}: not decoded in this run`;
  const top = cell.state?.top[0];
  if (!top) return `${where}: no prediction`;
  const cut = cutAs(top.token, cell.text, cell.full);
  const shown = cut ? `, shown as ${cut},` : '';
  const diff =
    cell.differs && cell.control ? `; differs from control ${spokenToken(cell.control.token)}` : '';
  return `${where}: top-1 ${spokenToken(top.token)}${shown} ${formatProb(top.prob)}${diff}`;
}
