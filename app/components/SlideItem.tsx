import { useSortable } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import type { ReactElement } from 'react';
import { useTalk } from '../deck/deckContext.ts';
import type { Slide, SlideMark, StageName } from '../deck/deckTypes.ts';
import type { SharedView } from '../url/stateSchema.ts';
import { useLens } from './useLens.ts';

export const FRONTS: Array<{ value: SharedView['front']; label: string }> = [
  { value: 'heatmap', label: 'Heatmap' },
  { value: 'rank', label: 'Rank plot' },
  { value: 'compare', label: 'Control beside intervened' },
];

export const STAGES: Array<{ value: StageName; label: string }> = [
  { value: 'argument', label: 'argument formation' },
  { value: 'function', label: 'function application' },
  { value: 'saturation', label: 'saturation' },
];

/** The block a row or cell mark points at (state 2b+2), or undefined. */
export function markedBlock(marks: readonly SlideMark[]): { block?: number; lastOnly: boolean } {
  for (const m of marks) {
    if (m.kind === 'row' && m.state >= 2 && m.state % 2 === 0)
      return { block: (m.state - 2) / 2, lastOnly: false };
    if (m.kind === 'cell' && m.state >= 2 && m.state % 2 === 0)
      return { block: (m.state - 2) / 2, lastOnly: true };
  }
  return { lastOnly: false };
}

export function withBlockMark(
  marks: readonly SlideMark[],
  block: number | undefined,
  lastOnly: boolean,
): SlideMark[] {
  const rest = marks.filter((m) => m.kind === 'stage');
  if (block === undefined) return rest;
  const state = 2 * block + 2;
  return [...rest, lastOnly ? { kind: 'cell', state, position: 'last' } : { kind: 'row', state }];
}

export function SlideItem(props: {
  slide: Slide;
  index: number;
  count: number;
  editable: boolean;
}): ReactElement {
  const { slide, index, count, editable } = props;
  const { decks } = useTalk();
  const sortable = useSortable({ id: slide.id, disabled: !editable });
  const nLayer = useLens((s) => s.info?.nLayer);
  const style = { transform: CSS.Transform.toString(sortable.transform), transition: sortable.transition };
  const d = decks.getState();
  const { block, lastOnly } = markedBlock(slide.marks);
  const stages = new Set(slide.marks.flatMap((m) => (m.kind === 'stage' ? [m.stage] : [])));
  const setMarks = (marks: SlideMark[]): void => d.updateSlide(slide.id, { marks });
  const move = (to: number): void => d.moveSlide(slide.id, to);
  return (
    <li
      ref={sortable.setNodeRef}
      style={style}
      className={sortable.isDragging ? 'deck-slide is-dragging' : 'deck-slide'}
      data-testid="deck-slide"
      data-slide-id={slide.id}
      onKeyDown={(e) => {
        if (!editable || !e.altKey) return;
        if (e.key === 'ArrowUp' && index > 0) {
          e.preventDefault();
          move(index - 1);
        } else if (e.key === 'ArrowDown' && index < count - 1) {
          e.preventDefault();
          move(index + 1);
        }
      }}
    >
      <button
        type="button"
        className="deck-handle"
        data-testid="deck-slide-handle"
        aria-label={`Slide ${index + 1}: drag, or press Space then the arrow keys to move it`}
        disabled={!editable}
        {...sortable.attributes}
        {...sortable.listeners}
      >
        <span aria-hidden="true">⠿</span> {index + 1}
      </button>
      <div className="deck-slide-fields">
        <input
          type="text"
          className="deck-slide-title"
          data-testid="deck-slide-title"
          aria-label={`Title of slide ${index + 1}`}
          value={slide.title}
          readOnly={!editable}
          maxLength={120}
          onChange={(e) => d.updateSlide(slide.id, { title: e.target.value })}
        />
        <textarea
          className="deck-slide-caption"
          data-testid="deck-slide-caption"
          aria-label={`Caption of slide ${index + 1}`}
          value={slide.caption}
          readOnly={!editable}
          rows={2}
          maxLength={600}
          placeholder="Caption: the claim this slide shows, in a sentence"
          onChange={(e) => d.updateSlide(slide.id, { caption: e.target.value })}
        />
        <div className="deck-slide-options">
          <label>
            In front{' '}
            <select
              data-testid="deck-slide-front"
              value={slide.state.view.front}
              disabled={!editable}
              onChange={(e) =>
                d.updateSlide(slide.id, {
                  state: {
                    ...slide.state,
                    view: { ...slide.state.view, front: e.target.value as SharedView['front'] },
                  },
                })
              }
            >
              {FRONTS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="deck-stage-marks" disabled={!editable}>
            <legend>Mark</legend>
            {STAGES.map((st) => (
              <label key={st.value} className="check">
                <input
                  type="checkbox"
                  data-testid={`deck-mark-${st.value}`}
                  checked={stages.has(st.value)}
                  onChange={(e) => {
                    const others = slide.marks.filter((m) => !(m.kind === 'stage' && m.stage === st.value));
                    setMarks(e.target.checked ? [...others, { kind: 'stage', stage: st.value }] : others);
                  }}
                />
                {st.label}
              </label>
            ))}
            <label>
              block{' '}
              <input
                type="number"
                min={0}
                max={nLayer !== undefined ? nLayer - 1 : undefined}
                className="deck-mark-block"
                data-testid="deck-mark-block"
                value={block ?? ''}
                onChange={(e) => {
                  const n = e.target.value === '' ? undefined : Number(e.target.value);
                  setMarks(
                    withBlockMark(
                      slide.marks,
                      n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined,
                      lastOnly,
                    ),
                  );
                }}
              />
            </label>
            <label className="check">
              <input
                type="checkbox"
                data-testid="deck-mark-last"
                checked={lastOnly}
                disabled={block === undefined}
                onChange={(e) => setMarks(withBlockMark(slide.marks, block, e.target.checked))}
              />
              last token only
            </label>
          </fieldset>
        </div>
      </div>
      <div className="deck-slide-actions">
        <button type="button" data-testid="deck-slide-show" onClick={() => d.present(index)}>
          Present from here
        </button>
        {editable ? (
          <>
            <button
              type="button"
              data-testid="deck-slide-update"
              title="Replace this slide's state with the current view"
              onClick={() => d.updateSlideFromView(slide.id)}
            >
              Update from view
            </button>
            <button
              type="button"
              aria-label={`Move slide ${index + 1} up`}
              disabled={index === 0}
              onClick={() => move(index - 1)}
            >
              ↑
            </button>
            <button
              type="button"
              aria-label={`Move slide ${index + 1} down`}
              disabled={index === count - 1}
              onClick={() => move(index + 1)}
            >
              ↓
            </button>
            <button type="button" data-testid="deck-slide-delete" onClick={() => d.deleteSlide(slide.id)}>
              Delete
            </button>
          </>
        ) : null}
      </div>
    </li>
  );
}
