/**
 * "Your own data" without a file: a one-shot template, the shot, and pairs typed one a line become a
 * data set beside the uploads (templateDataset.ts); bad lines are listed by number and nothing is
 * kept until every line is good. A preview shows the first prompt and its answer as the model sees
 * them.
 */
import { type ReactElement, useState } from 'react';
import { useLensPick } from '../components/useLens.ts';
import { visibleToken } from '../tokenText.ts';
import { EXAMPLE_TEMPLATE, templateDataset } from './templateDataset.ts';

export interface TemplateBuilderProps {
  /** Called with the new data set's ref (upload:NAME) once it is kept. */
  onBuilt: (ref: string) => void;
}

export function TemplateBuilder({ onBuilt }: TemplateBuilderProps): ReactElement {
  const s = useLensPick((st) => ({ build: st.buildTemplateDataset, refused: st.templateErrors }));
  const [name, setName] = useState('my-template');
  const [template, setTemplate] = useState(EXAMPLE_TEMPLATE);
  const [shot, setShot] = useState('France, Paris');
  const [pairs, setPairs] = useState('Poland, Warsaw\nJapan, Tokyo');
  const input = { name, template, shot, pairs };
  const preview = templateDataset(input).dataset?.examples[0];
  const onBuild = (): void => {
    const outcome = s.build(input);
    if (outcome.dataset) onBuilt(`upload:${outcome.dataset.name}`);
  };
  return (
    <details className="template-builder" data-testid="template-builder">
      <summary>Build a data set from a template</summary>
      <div className="template-builder-fields">
        <label>
          Name <input data-testid="template-name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Template ({'{argument}'}, {'{answer}'}){' '}
          <textarea
            data-testid="template-text"
            rows={4}
            cols={56}
            value={template}
            onChange={(e) => setTemplate(e.target.value)}
          />
        </label>
        <label>
          Shot (argument, answer){' '}
          <input data-testid="template-shot" value={shot} onChange={(e) => setShot(e.target.value)} />
        </label>
        <label>
          Pairs, one “argument, answer” a line{' '}
          <textarea
            data-testid="template-pairs"
            rows={6}
            cols={40}
            value={pairs}
            onChange={(e) => setPairs(e.target.value)}
          />
        </label>
        <button type="button" data-testid="template-build" onClick={onBuild}>
          Use as data set
        </button>
      </div>
      {preview ? (
        <p className="template-preview" data-testid="template-preview">
          First prompt: <code>{preview.prompt}</code> → answer <code>{visibleToken(preview.answer)}</code>
        </p>
      ) : null}
      {s.refused ? (
        <div className="experiment-upload-errors" role="alert" data-testid="template-errors">
          {s.refused.problem ??
            `${s.refused.errors.length} bad line${s.refused.errors.length === 1 ? '' : 's'}; nothing was kept`}
          {s.refused.errors.length ? (
            <ul>
              {s.refused.errors.slice(0, 20).map((e) => (
                <li key={e.line}>
                  line {e.line}: {e.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </details>
  );
}
