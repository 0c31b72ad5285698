/**
 * Per-example results under a figure; each row's button opens the example in the single-prompt
 * views with the run's intervention (an ablation row opens the step of the clicked cell).
 */
import type { ReactElement } from 'react';
import type { ExampleOutcome } from '../../workers/api.ts';
import { visibleToken } from '../tokenText.ts';

/** Rows shown at once: enough to browse; the JSON export has them all. */
const MAX_ROWS = 100;

export interface ExampleTableProps {
  outcome: ExampleOutcome;
  partIndex: number;
  onOpen: (partIndex: number, id: string | number, step?: number) => void;
}

const tok = (t: { token: string }): string => visibleToken(t.token);

export function ExampleTable({ outcome, partIndex, onOpen }: ExampleTableProps): ReactElement {
  const rows = outcome.examples.slice(0, MAX_ROWS);
  const open = (id: string | number, step?: number) => () => onOpen(partIndex, id, step);
  const more = outcome.examples.length - rows.length;
  return (
    <div className="example-table-wrap">
      <table className="example-table" data-testid={`examples-${partIndex}`}>
        <caption className="visually-hidden">Per-example results</caption>
        <thead>
          {outcome.experiment === 'stages' ? (
            <tr>
              <th>id</th>
              <th>argument</th>
              <th>answer</th>
              <th>top-1</th>
              <th>correct</th>
              <th>function application</th>
            </tr>
          ) : outcome.experiment === 'ovector' ? (
            <tr>
              <th>id</th>
              <th>answer</th>
              <th>control top-1</th>
              <th>intervened top-1</th>
              <th>effect</th>
            </tr>
          ) : (
            <tr>
              <th>id</th>
              <th>answer</th>
              {outcome.steps.map((s) => (
                <th key={s.removed.length}>{s.removed.length} removed</th>
              ))}
            </tr>
          )}
        </thead>
        <tbody>
          {outcome.experiment === 'stages'
            ? outcome.examples.slice(0, MAX_ROWS).map((e) => (
                <tr key={e.id} data-correct={e.correct}>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      onClick={open(e.id)}
                      data-testid="open-example"
                    >
                      {e.id}
                    </button>
                  </td>
                  <td className="mono">{e.argument ? tok(e.argument) : '–'}</td>
                  <td className="mono">{tok(e.answer)}</td>
                  <td className="mono">{tok(e.top1)}</td>
                  <td>{e.correct ? '✓' : '✗'}</td>
                  <td>
                    {e.stages.functionApplication
                      ? `${e.stages.functionApplication.sublayer === 'ffn' ? 'FFN' : 'attn'} ${e.stages.functionApplication.block}`
                      : '–'}
                  </td>
                </tr>
              ))
            : outcome.experiment === 'ovector'
              ? outcome.examples.slice(0, MAX_ROWS).map((e) => (
                  <tr key={e.id}>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        onClick={open(e.id)}
                        data-testid="open-example"
                      >
                        {e.id}
                      </button>
                    </td>
                    <td className="mono">{tok(e.answer)}</td>
                    <td className="mono">{tok(e.control.top1)}</td>
                    <td className="mono">{tok(e.intervened.top1)}</td>
                    <td>{e.noEffect ? 'no effect' : 'changed'}</td>
                  </tr>
                ))
              : outcome.examples.slice(0, MAX_ROWS).map((e) => (
                  <tr key={e.id}>
                    <td>{e.id}</td>
                    <td className="mono">{tok(e.answer)}</td>
                    {e.top1.map((t, j) => (
                      <td key={outcome.steps[j]!.removed.length} className="mono">
                        <button
                          type="button"
                          className="link-button"
                          onClick={open(e.id, j)}
                          data-testid="open-example"
                          aria-label={`example ${e.id}, ${outcome.steps[j]!.removed.length} blocks removed: ${tok(t)}`}
                        >
                          {tok(t)} {e.correct[j] ? '✓' : '✗'}
                        </button>
                      </td>
                    ))}
                  </tr>
                ))}
        </tbody>
      </table>
      {more > 0 ? <p className="hint">{more} more in the JSON export.</p> : null}
    </div>
  );
}
