import { type KeyboardEvent, type ReactElement, useEffect, useId, useState } from 'react';
import type { InterventionMode, Interventions, Slot, SublayerKind, VectorEntry } from '../domain.ts';
import {
  blockRange,
  defaultRange,
  findSlot,
  formatBlocks,
  formatScale,
  kindLabel,
  parseBlockRange,
  parseScale,
  vectorName,
} from '../store/slotRanges.ts';
import { useInterventionDnd } from './InterventionDnd.tsx';
import { LayerSlot, MODES } from './LayerSlot.tsx';
import './vectors.css';

export interface LayerSlotsProps {
  nLayer: number;
  /** To show names on assigned slots. */
  vectors: VectorEntry[];
  interventions: Interventions;
  /** Which sublayer drops go to (the toggle is rendered here). */
  kind: SublayerKind;
  onKindChange(kind: SublayerKind): void;
  onScopeChange(scope: 'all' | 'last'): void;
  /** Default mode 'replace'. */
  onAssign(blocks: number[], kind: SublayerKind, vectorId: string): void;
  onUpdateSlot(block: number, kind: SublayerKind, patch: Partial<Pick<Slot, 'mode' | 'scale'>>): void;
  onClear(blocks: number[], kind: SublayerKind): void;
  pickedVectorId?: string;
  onPick(id: string | undefined): void;
  /** When given, vectors of another size are left out of the range form's list. */
  dModel?: number;
}

export function LayerSlots({
  nLayer,
  vectors,
  interventions,
  kind,
  onKindChange,
  onScopeChange,
  onAssign,
  onUpdateSlot,
  onClear,
  pickedVectorId,
  onPick,
  dModel,
}: LayerSlotsProps): ReactElement {
  const dnd = useInterventionDnd();
  // without a provider (no dragging) the keyboard path still needs the start of Shift ranges
  const [localLast, setLocalLast] = useState<number>();
  const lastAssigned = dnd ? dnd.lastAssigned : localLast;
  const setLastAssigned = dnd ? dnd.setLastAssigned : setLocalLast;
  const [status, setStatus] = useState('');
  const initial = defaultRange(nLayer);
  const [from, setFrom] = useState(String(initial.from));
  const [to, setTo] = useState(String(initial.to));
  const [mode, setMode] = useState<InterventionMode>('replace');
  const [scaleText, setScaleText] = useState('1');
  const formId = useId();

  // a different model: the old range may not fit
  useEffect(() => {
    const r = defaultRange(nLayer);
    setFrom(String(r.from));
    setTo(String(r.to));
  }, [nLayer]);

  const picked = vectors.find((v) => v.id === pickedVectorId);
  const choosable = vectors.filter((v) => dModel === undefined || v.data.length === dModel);
  const preview = dnd?.preview?.kind === kind ? new Set(dnd.preview.blocks) : undefined;

  const assign = (blocks: number[], vectorId: string, scale?: number): void => {
    onAssign(blocks, kind, vectorId);
    // onAssign sets 'replace'; the form's 'add' follows as a mode change on the same blocks
    if (scale !== undefined) for (const b of blocks) onUpdateSlot(b, kind, { mode: 'add', scale });
    setLastAssigned(blocks[blocks.length - 1]);
    const name = vectorName(vectorId, vectors);
    const where = `the ${kindLabel(kind)} output of ${formatBlocks(blocks)}`;
    setStatus(
      scale === undefined
        ? `${name} replaces ${where}.`
        : `${name} ×${formatScale(scale)} is added to ${where}.`,
    );
  };

  const onSlotKey = (e: KeyboardEvent<HTMLFieldSetElement>, block: number): void => {
    // keys typed in the slot's own controls (Backspace in the scale field) are theirs
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      if (!picked) {
        setStatus('Pick a vector in the library first.');
        return;
      }
      const blocks = e.shiftKey && lastAssigned !== undefined ? blockRange(lastAssigned, block) : [block];
      assign(blocks, picked.id);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      if (findSlot(interventions, block, kind)) {
        onClear([block], kind);
        setStatus(`Cleared ${kindLabel(kind)} block ${block}.`);
      }
    } else if (e.key === 'Escape' && pickedVectorId !== undefined) {
      e.preventDefault();
      onPick(undefined);
    }
  };

  const range = parseBlockRange(from, to, nLayer);
  const scale = parseScale(scaleText);
  const formError =
    range.error ??
    (mode !== 'zero' && !picked ? 'pick a vector' : undefined) ??
    (mode === 'add' && scale === undefined ? 'the scale must be a number' : undefined);

  const applyRange = (): void => {
    if (formError !== undefined || range.blocks === undefined) return;
    const blocks = range.blocks;
    if (mode === 'zero') {
      // zeroing needs no vector: the slots are created by the mode change
      for (const b of blocks) onUpdateSlot(b, kind, { mode: 'zero' });
      setLastAssigned(blocks[blocks.length - 1]);
      setStatus(`Zeroed the ${kindLabel(kind)} output of ${formatBlocks(blocks)}.`);
      return;
    }
    assign(blocks, picked!.id, mode === 'add' ? (scale ?? 1) : undefined);
  };

  const assignedHere = interventions.slots.filter((s) => s.kind === kind).map((s) => s.block);

  return (
    <section className="layer-slots" data-testid="layer-slots" aria-labelledby={`${formId}-title`}>
      <div className="layer-slots-head">
        <h2 id={`${formId}-title`}>Interventions</h2>
        <fieldset className="toggle" aria-label="Sublayer">
          <legend className="visually-hidden">Sublayer that drops go to</legend>
          {(['ffn', 'attn'] as const).map((k) => (
            <label key={k} className={k === kind ? 'is-on' : undefined}>
              <input
                type="radio"
                name={`${formId}-kind`}
                data-testid={`kind-${k}`}
                checked={k === kind}
                onChange={() => onKindChange(k)}
              />
              {k === 'ffn' ? 'FFN' : 'attention'}
            </label>
          ))}
        </fieldset>
        <fieldset className="toggle" aria-label="Positions">
          <legend className="visually-hidden">Positions the intervention applies to</legend>
          <label className={interventions.scope === 'all' ? 'is-on' : undefined}>
            <input
              type="radio"
              name={`${formId}-scope`}
              data-testid="scope-all"
              checked={interventions.scope === 'all'}
              onChange={() => onScopeChange('all')}
            />
            every position (paper)
          </label>
          <label className={interventions.scope === 'last' ? 'is-on' : undefined}>
            <input
              type="radio"
              name={`${formId}-scope`}
              data-testid="scope-last"
              checked={interventions.scope === 'last'}
              onChange={() => onScopeChange('last')}
            />
            last position
          </label>
        </fieldset>
        {assignedHere.length > 0 ? (
          <button
            type="button"
            data-testid="slots-clear-all"
            onClick={() => {
              onClear(assignedHere, kind);
              setStatus(`Cleared every ${kindLabel(kind)} slot.`);
            }}
          >
            Clear {kindLabel(kind)} slots
          </button>
        ) : null}
      </div>

      <ol className="slot-grid" aria-label={`${kindLabel(kind)} output of each block`}>
        {(nLayer > 0 ? blockRange(0, nLayer - 1) : []).map((block) => (
          <LayerSlot
            key={block}
            block={block}
            kind={kind}
            slot={findSlot(interventions, block, kind)}
            otherKind={findSlot(interventions, block, kind === 'ffn' ? 'attn' : 'ffn')}
            vectors={vectors}
            inPreview={preview?.has(block) ?? false}
            picked={picked}
            onKey={onSlotKey}
            onUpdateSlot={onUpdateSlot}
            onClear={onClear}
          />
        ))}
      </ol>

      <form
        className="apply-range"
        data-testid="apply-range"
        aria-label="Apply a vector to a range of blocks"
        onSubmit={(e) => {
          e.preventDefault();
          applyRange();
        }}
      >
        <label>
          Apply
          <select
            data-testid="range-vector"
            value={picked?.id ?? ''}
            onChange={(e) => onPick(e.target.value === '' ? undefined : e.target.value)}
          >
            <option value="">(pick a vector)</option>
            {choosable.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          to
          <select
            data-testid="range-kind"
            value={kind}
            onChange={(e) => onKindChange(e.target.value as SublayerKind)}
          >
            <option value="ffn">FFN</option>
            <option value="attn">attention</option>
          </select>
        </label>
        <label>
          blocks
          <input
            type="number"
            className="range-block"
            data-testid="range-from"
            aria-label="First block"
            min={0}
            max={nLayer - 1}
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
        </label>
        <span aria-hidden="true">–</span>
        <input
          type="number"
          className="range-block"
          data-testid="range-to"
          aria-label="Last block"
          min={0}
          max={nLayer - 1}
          value={to}
          onChange={(e) => setTo(e.target.value)}
        />
        <label>
          as
          <select
            data-testid="range-mode"
            value={mode}
            onChange={(e) => setMode(e.target.value as InterventionMode)}
          >
            {MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          scale
          <input
            type="number"
            className="slot-scale"
            data-testid="range-scale"
            step="any"
            value={scaleText}
            disabled={mode !== 'add'}
            onChange={(e) => setScaleText(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="apply-range-button" disabled={formError !== undefined}>
          Apply
        </button>
        {formError && range.error ? (
          <span className="range-error" data-testid="range-error">
            {range.error}
          </span>
        ) : null}
      </form>
      <p className="slot-status" aria-live="polite" data-testid="slot-status">
        {status}
      </p>
    </section>
  );
}
