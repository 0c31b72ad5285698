/**
 * Capture an o-vector: a block's FFN (or attention) output at the last position of the current prompt,
 * into the library. Clicking a heatmap row label does the same for that row's block.
 */
import { type ReactElement, useState } from 'react';
import type { SublayerKind } from '../domain.ts';
import { useLensPick } from './useLens.ts';

export function CapturePanel(): ReactElement {
  const { kind, setKind, capture, status, nLayer, ready } = useLensPick((s) => ({
    kind: s.captureKind,
    setKind: s.setCaptureKind,
    capture: s.captureVector,
    status: s.captureStatus,
    nLayer: s.info?.nLayer ?? 0,
    ready: s.modelStatus === 'ready',
  }));
  const [blockText, setBlockText] = useState('');
  const fallback = Math.max(0, nLayer - 1);
  const block = blockText === '' ? fallback : Number(blockText);
  const valid = Number.isInteger(block) && block >= 0 && block < nLayer;
  return (
    <form
      className="capture-panel"
      aria-label="Capture an o-vector"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void capture(block, kind);
      }}
    >
      <span className="capture-title">Capture</span>
      <select
        data-testid="capture-kind"
        aria-label="Sublayer to capture"
        value={kind}
        onChange={(e) => setKind(e.target.value as SublayerKind)}
      >
        <option value="ffn">FFN output</option>
        <option value="attn">attention output</option>
      </select>
      <label>
        of block
        <input
          type="number"
          data-testid="capture-block"
          min={0}
          max={fallback}
          placeholder={String(fallback)}
          value={blockText}
          onChange={(e) => setBlockText(e.target.value)}
        />
      </label>
      <button type="submit" data-testid="capture-button" disabled={!ready || !valid}>
        Capture
      </button>
      <span className="capture-hint">or click a row label of the heatmap</span>
      {status ? (
        <span
          className={status.ok ? 'capture-status' : 'capture-status field-error'}
          data-testid="capture-status"
          data-ok={String(status.ok)}
          role="status"
        >
          {status.message}
        </span>
      ) : null}
    </form>
  );
}
