import { type ReactElement, useEffect } from 'react';
import type { StateResult, Token } from '../workers/engine/types.ts';
import { useLensStoreHook } from './store/context.ts';
import { visibleToken } from './tokenText.ts';

function kindLabel(state: StateResult): string {
  if (state.kind === 'embed') return 'embeddings';
  return state.kind === 'attn' ? 'after attention' : 'after block';
}

/** Top-1 probability as a blue shade: the table is a one-column heatmap. */
function probColor(prob: number): string {
  const p = Math.min(1, Math.max(0, prob));
  return `hsl(212 80% ${Math.round(97 - 45 * p)}%)`;
}

function TokenChips({ tokens }: { tokens: Token[] }): ReactElement {
  return (
    <ol className="chips" data-testid="token-chips" aria-label="Prompt tokens">
      {tokens
        .map((token, position) => ({ token, position }))
        .map(({ token, position }) => (
          // tokens repeat: the position is the identity
          <li
            key={position}
            className="chip"
            data-testid="token-chip"
            data-token-id={token.id}
            title={`id ${token.id}`}
          >
            {visibleToken(token.text)}
          </li>
        ))}
    </ol>
  );
}

function LensTable({ states, expected }: { states: StateResult[]; expected: number }): ReactElement {
  return (
    <table className="lens" data-testid="lens-heatmap">
      <caption>
        Logit lens at the last position: {states.length} / {expected || '?'} residual states
      </caption>
      <thead>
        <tr>
          <th scope="col">state</th>
          <th scope="col">layer</th>
          <th scope="col">kind</th>
          <th scope="col">top-1 token</th>
          <th scope="col">prob</th>
        </tr>
      </thead>
      <tbody>
        {states.map((state) => {
          const top = state.top[0];
          return (
            <tr
              key={state.index}
              data-testid="lens-row"
              data-state-index={state.index}
              data-top-id={top?.id}
              data-top-prob={top?.prob}
            >
              <td>{state.index}</td>
              <td>{state.layer < 0 ? '–' : state.layer}</td>
              <td>{kindLabel(state)}</td>
              <td className="token" title={top ? JSON.stringify(top.token) : undefined}>
                {top ? visibleToken(top.token) : ''}
              </td>
              <td style={top ? { background: probColor(top.prob) } : undefined}>
                {top ? top.prob.toFixed(4) : ''}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function App(): ReactElement {
  const useStore = useLensStoreHook();
  const s = useStore();
  const { loadModel } = s;

  useEffect(() => {
    void loadModel();
  }, [loadModel]);

  const ready = s.modelStatus === 'ready';
  const expectedStates = s.info ? 2 * s.info.nLayer + 1 : 0;
  const modelLabel = s.info
    ? `${s.info.name}: GPT-2, ${s.info.nLayer} layers, d=${s.info.nEmbd}` +
      (s.info.randomWeights ? ' (random weights: shows how the app works, the predictions mean nothing)' : '')
    : 'built-in model (random weights)';

  return (
    <div className="app">
      <header className="header">
        <h1>LensLab</h1>
        <span
          className={`badge badge-${s.backend ?? 'none'}`}
          data-testid="backend"
          title={s.load?.backendNote ?? ''}
        >
          {s.backend ?? (s.modelStatus === 'loading' ? 'loading…' : 'no backend')}
        </span>
        <span className="model" data-testid="model-label">
          {modelLabel}
        </span>
        <span className="status" data-testid="model-status" data-status={s.modelStatus}>
          {s.modelStatus}
        </span>
        {s.modelStatus === 'error' || s.modelStatus === 'idle' ? (
          <button type="button" onClick={() => void loadModel()}>
            Load model
          </button>
        ) : null}
      </header>

      {s.load?.fellBack ? (
        <p className="note" data-testid="backend-note">
          {s.load.backendNote}
        </p>
      ) : null}

      <section className="prompt">
        <label htmlFor="prompt">Prompt</label>
        <textarea
          id="prompt"
          data-testid="prompt-input"
          rows={5}
          value={s.prompt}
          spellCheck={false}
          onChange={(e) => s.setPrompt(e.target.value)}
        />
        <div className="actions">
          <button
            type="button"
            data-testid="run-button"
            disabled={!ready || s.running}
            onClick={() => void s.runLens()}
          >
            Run
          </button>
          {s.running ? (
            <button type="button" onClick={() => s.cancelRun()}>
              Cancel
            </button>
          ) : null}
          {s.result ? (
            <span className="timing" data-testid="timing">
              {s.result.timings.totalMs.toFixed(0)} ms
            </span>
          ) : null}
        </div>
      </section>

      {s.error ? (
        <p className="error" role="alert" data-testid="error" data-code={s.error.code}>
          {s.error.message}
        </p>
      ) : null}

      <TokenChips tokens={s.tokens} />
      <LensTable states={s.states} expected={expectedStates} />
    </div>
  );
}
