/**
 * The last position's top-k per residual state (the paper's Figure 6 view): rows = states, columns =
 * rank 1..k, each cell a token and its probability on the heatmap's colour scale.
 */
import { type ReactElement, useId } from 'react';
import type { LensGrid } from '../domain.ts';
import { visibleToken } from '../tokenText.ts';
import {
  type ColorScheme,
  displayedStates,
  formatProb,
  type HeatmapRows,
  probColor,
  stateDescription,
  stateLabel,
  textColorOn,
  truncateText,
} from './heatmapLayout.ts';
import './charts.css';

export interface TopKMark {
  id: number;
  /** Shown as a tag in the cell, e.g. "arg" or "ans": the mark is text, not colour alone. */
  tag: string;
}

export interface TopKTableProps {
  grid: LensGrid;
  rows: HeatmapRows;
  /** Columns; default 10. */
  k?: number;
  /** Token position; default the last one. */
  position?: number;
  /** Tokens to outline and tag wherever they appear (e.g. the argument and the answer). */
  marks?: TopKMark[];
  testId?: string;
  title?: string;
  colorScheme?: ColorScheme;
  /** Longest token shown before an ellipsis; default 14 characters. */
  maxChars?: number;
}

export function TopKTable(props: TopKTableProps): ReactElement {
  const { grid, rows, k = 10, marks = [], testId = 'topk-table', title } = props;
  const scheme = props.colorScheme ?? 'blues';
  const maxChars = props.maxChars ?? 14;
  const position = props.position ?? grid.tokens.length - 1;
  const states = displayedStates(grid.nLayer, rows);
  const markOf = new Map(marks.map((m) => [m.id, m.tag]));
  const token = grid.tokens[position];
  const captionId = useId();
  return (
    // a wide table scrolls sideways: keyboard users need a tab stop to scroll it (with its name)
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable to scroll by keyboard
    <section className="topk-wrap" tabIndex={0} aria-labelledby={captionId}>
      <table className="topk-table" data-testid={testId} data-position={position}>
        <caption className="chart-title" id={captionId}>
          {title ?? 'Top tokens per layer'}{' '}
          <span className="topk-where">
            (position {position}
            {token ? (
              <>
                : <span className="mono">{visibleToken(token.text)}</span>
              </>
            ) : null}
            )
          </span>
        </caption>
        <thead>
          <tr>
            <th scope="col">state</th>
            {Array.from({ length: k }, (_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the rank is the identity of a column
              <th key={i} scope="col">
                {i + 1}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {states.map((s) => {
            const result = grid.grid[s]?.[position];
            return (
              <tr
                key={s}
                data-testid="topk-row"
                data-state-index={s}
                data-complete={result ? 'true' : 'false'}
                className={s % 2 === 1 ? 'topk-attn' : undefined}
              >
                <th scope="row" title={stateDescription(s)}>
                  {stateLabel(s)}
                </th>
                {Array.from({ length: k }, (_, i) => {
                  const e = result?.top[i];
                  if (!e) {
                    return (
                      // biome-ignore lint/suspicious/noArrayIndexKey: the rank is the identity of a column
                      <td key={i} className={result ? 'topk-empty' : 'topk-pending'}>
                        {result ? '' : '…'}
                      </td>
                    );
                  }
                  const fill = probColor(e.prob, scheme);
                  const tag = markOf.get(e.id);
                  const full = visibleToken(e.token);
                  return (
                    <td
                      // biome-ignore lint/suspicious/noArrayIndexKey: the rank is the identity of a column
                      key={i}
                      data-token-id={e.id}
                      data-prob={e.prob}
                      data-mark={tag}
                      className={tag ? 'topk-cell marked' : 'topk-cell'}
                      style={{ background: fill, color: textColorOn(fill) }}
                      title={`${full} ${formatProb(e.prob)}`}
                    >
                      <span className="mono tok">{truncateText(full, maxChars)}</span>
                      <span className="prob">{formatProb(e.prob)}</span>
                      {tag ? <span className="topk-tag">{tag}</span> : null}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
