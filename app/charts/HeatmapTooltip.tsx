/** A heatmap cell's top-k with probabilities, the tracked tokens and the control's top-1. */
import type { CSSProperties, ReactElement, Ref } from 'react';
import type { StateResult } from '../../workers/engine/types.ts';
import { visibleToken } from '../tokenText.ts';
import { formatProb, stateDescription, stateLabel } from './heatmapLayout.ts';
import './charts.css';

export interface HeatmapTooltipProps {
  stateIndex: number;
  position: number;
  /** The prompt token at this position (raw text). */
  token: string;
  result: StateResult | undefined;
  /** The control run's cell when comparing; null = not arrived. */
  control?: StateResult | null;
  k?: number;
  pinned?: boolean;
  style?: CSSProperties;
  ref?: Ref<HTMLDivElement>;
}

/** The top-k of one cell, with probabilities; exported for render tests. */
export function HeatmapTooltip(p: HeatmapTooltipProps): ReactElement {
  const k = p.k ?? 10;
  const top = p.result?.top.slice(0, k) ?? [];
  const controlTop = p.control?.top[0];
  return (
    <div
      ref={p.ref}
      className="lens-tooltip"
      data-testid="lens-tooltip"
      data-pinned={p.pinned ? 'true' : 'false'}
      role="tooltip"
      style={p.style}
    >
      <div className="lens-tooltip-head">
        <strong>{stateLabel(p.stateIndex)}</strong> · position {p.position}{' '}
        <span className="mono">{visibleToken(p.token)}</span>
      </div>
      <div className="lens-tooltip-sub">{stateDescription(p.stateIndex)}</div>
      {p.result ? (
        <ol className="lens-tooltip-list">
          {top.map((t, i) => (
            <li key={t.id} data-token-id={t.id}>
              <span className="rank">{i + 1}</span>
              <span className="mono tok">{visibleToken(t.token)}</span>
              <span className="bar" aria-hidden="true">
                <span style={{ width: `${Math.max(1, t.prob * 100)}%` }} />
              </span>
              <span className="prob">{formatProb(t.prob)}</span>
            </li>
          ))}
        </ol>
      ) : (
        <p className="lens-tooltip-sub">Not computed yet.</p>
      )}
      {p.result && p.result.tracked.length > 0 ? (
        <div className="lens-tooltip-tracked">
          {p.result.tracked.map((t) => (
            <div key={t.id}>
              <span className="mono">{visibleToken(t.token)}</span>: rank {t.rank + 1}, {formatProb(t.prob)}
            </div>
          ))}
        </div>
      ) : null}
      {p.result ? <div className="lens-tooltip-sub">entropy {p.result.entropy.toFixed(2)} nats</div> : null}
      {p.control !== undefined ? (
        <div className="lens-tooltip-control">
          control top-1:{' '}
          {controlTop ? (
            <>
              <span className="mono">{visibleToken(controlTop.token)}</span> {formatProb(controlTop.prob)}
              {p.result?.top[0] && p.result.top[0].id !== controlTop.id ? ' (differs)' : ' (same)'}
            </>
          ) : (
            'not computed yet'
          )}
        </div>
      ) : null}
      <div className="lens-tooltip-hint">{p.pinned ? 'Pinned · Esc closes' : 'Enter pins · Esc closes'}</div>
    </div>
  );
}
