/** One block's intervention slot (vector, mode, scale) and the scale field it uses; LayerSlots lays them out. */
import { useDroppable } from '@dnd-kit/core';
import { type KeyboardEvent, type ReactElement, useEffect, useState } from 'react';
import type { InterventionMode, Slot, SublayerKind, VectorEntry } from '../domain.ts';
import {
  describeSlot,
  formatScale,
  kindLabel,
  parseScale,
  slotDropId,
  vectorName,
} from '../store/slotRanges.ts';

export const MODES: InterventionMode[] = ['replace', 'add', 'zero'];

/** A number field that lets the user type "-" or "1." on the way to a number; commits finite values. */
export function ScaleInput({
  value,
  disabled,
  onCommit,
  label,
  testId,
}: {
  value: number;
  disabled: boolean;
  onCommit(scale: number): void;
  label: string;
  testId: string;
}): ReactElement {
  const [draft, setDraft] = useState(formatScale(value));
  useEffect(() => setDraft(formatScale(value)), [value]);
  return (
    <input
      type="number"
      className="slot-scale"
      data-testid={testId}
      aria-label={label}
      step="any"
      value={draft}
      disabled={disabled}
      onChange={(e) => {
        setDraft(e.target.value);
        const scale = parseScale(e.target.value);
        if (scale !== undefined && scale !== value) onCommit(scale);
      }}
      onBlur={() => setDraft(formatScale(value))}
    />
  );
}

export interface LayerSlotProps {
  block: number;
  kind: SublayerKind;
  slot: Slot | undefined;
  otherKind: Slot | undefined;
  vectors: VectorEntry[];
  inPreview: boolean;
  picked: VectorEntry | undefined;
  onKey(e: KeyboardEvent<HTMLFieldSetElement>, block: number): void;
  onUpdateSlot(block: number, kind: SublayerKind, patch: Partial<Pick<Slot, 'mode' | 'scale'>>): void;
  onClear(blocks: number[], kind: SublayerKind): void;
}

export function LayerSlot({
  block,
  kind,
  slot,
  otherKind,
  vectors,
  inPreview,
  picked,
  onKey,
  onUpdateSlot,
  onClear,
}: LayerSlotProps): ReactElement {
  const { setNodeRef, isOver } = useDroppable({ id: slotDropId(block), data: { block } });
  const classes = ['layer-slot'];
  if (slot) classes.push('is-assigned');
  if (isOver) classes.push('is-over');
  if (inPreview) classes.push('is-preview');
  const description = slot ? describeSlot(slot, vectors) : 'empty';
  const hint = picked ? `; press Enter to assign ${picked.name}` : '';
  const hasVector = slot?.vectorId !== undefined;

  return (
    <li className="layer-slot-cell">
      <fieldset
        ref={setNodeRef}
        className={classes.join(' ')}
        data-testid={`layer-slot-${block}`}
        data-block={block}
        data-mode={slot?.mode}
        data-vector-id={slot?.vectorId}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the slot is a keyboard target (Enter assigns the picked vector, Delete clears) that also holds its own controls
        tabIndex={0}
        aria-label={`${kindLabel(kind)} block ${block}: ${description}${hint}`}
        onKeyDown={(e) => onKey(e, block)}
      >
        <div className="slot-head">
          <span className="slot-block">{block}</span>
          {otherKind ? (
            <span
              className="slot-other"
              title={`${kindLabel(otherKind.kind)}: ${describeSlot(otherKind, vectors)}`}
            >
              +{otherKind.kind === 'ffn' ? 'FFN' : 'attn'}
            </span>
          ) : null}
          {slot ? (
            <button
              type="button"
              className="slot-clear"
              data-testid={`slot-clear-${block}`}
              aria-label={`Clear ${kindLabel(kind)} block ${block}`}
              onClick={() => onClear([block], kind)}
            >
              ×
            </button>
          ) : null}
        </div>
        {slot ? (
          <>
            <div className="slot-vector" data-testid={`slot-vector-${block}`} title={description}>
              {slot.mode === 'zero' ? 'zeroed' : vectorName(slot.vectorId, vectors)}
            </div>
            <select
              className="slot-mode"
              data-testid={`slot-mode-${block}`}
              aria-label={`Mode of ${kindLabel(kind)} block ${block}`}
              value={slot.mode}
              onChange={(e) => onUpdateSlot(block, kind, { mode: e.target.value as InterventionMode })}
            >
              {MODES.map((m) => (
                <option key={m} value={m} disabled={m !== 'zero' && !hasVector}>
                  {m}
                </option>
              ))}
            </select>
            <ScaleInput
              value={slot.scale ?? 1}
              disabled={slot.mode !== 'add'}
              label={`Scale of ${kindLabel(kind)} block ${block}`}
              testId={`slot-scale-${block}`}
              onCommit={(scale) => onUpdateSlot(block, kind, { scale })}
            />
          </>
        ) : (
          <div className="slot-empty">–</div>
        )}
      </fieldset>
    </li>
  );
}
