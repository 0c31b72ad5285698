/** The prompt: presets, the text, and its tokens as the model sees them. Runs follow edits by themselves. */
import type { ReactElement } from 'react';
import type { Token } from '../../workers/engine/types.ts';
import { PRESETS } from '../store/presets.ts';
import { visibleToken } from '../tokenText.ts';
import { useLens, useLensPick } from './useLens.ts';

export function TokenChips({ tokens }: { tokens: Token[] }): ReactElement {
  return (
    <ol className="chips" data-testid="token-chips" aria-label="Prompt tokens">
      {tokens.map((token, position) => (
        // tokens repeat: the position is the identity
        <li
          // biome-ignore lint/suspicious/noArrayIndexKey: the position is what identifies a token here
          key={position}
          className="chip"
          data-testid="token-chip"
          data-token-id={token.id}
          title={`position ${position}, id ${token.id}`}
        >
          {visibleToken(token.text)}
        </li>
      ))}
    </ol>
  );
}

export function PromptEditor(): ReactElement {
  const { prompt, setPrompt, applyPreset, rerun, running, ready } = useLensPick((s) => ({
    prompt: s.prompt,
    setPrompt: s.setPrompt,
    applyPreset: s.applyPreset,
    rerun: s.rerun,
    running: s.running,
    ready: s.modelStatus === 'ready',
  }));
  const tokens = useLens((s) => s.tokens);
  const timing = useLens((s) => s.control?.result?.timings.totalMs);
  return (
    <section className="prompt" aria-label="Prompt">
      <fieldset className="presets" aria-label="Prompt presets">
        {PRESETS.map((p) => (
          <button
            key={p.id}
            type="button"
            className={p.prompt === prompt ? 'preset is-on' : 'preset'}
            data-testid={`preset-${p.id}`}
            aria-pressed={p.prompt === prompt}
            onClick={() => applyPreset(p.id)}
          >
            {p.label}
          </button>
        ))}
      </fieldset>
      <textarea
        data-testid="prompt-input"
        aria-label="Prompt"
        rows={4}
        value={prompt}
        spellCheck={false}
        onChange={(e) => setPrompt(e.target.value)}
      />
      <div className="prompt-foot">
        <TokenChips tokens={tokens} />
        <div className="actions">
          <button type="button" data-testid="run-button" disabled={!ready || running} onClick={rerun}>
            Run again
          </button>
          <span className="timing" data-testid="run-status" data-running={running ? 'true' : 'false'}>
            {running ? 'running…' : timing !== undefined ? `${timing.toFixed(0)} ms` : ''}
          </span>
        </div>
      </div>
    </section>
  );
}
